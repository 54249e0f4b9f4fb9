package org.cvtzoo.zoo.dl4j;

/** vit-l32 in DL4J's zoo idiom: {@code new VitL32().initPretrained()}. */
public final class VitL32 extends SameDiffZooModel {
    public VitL32() {
        super("vit-l32");
    }
}
