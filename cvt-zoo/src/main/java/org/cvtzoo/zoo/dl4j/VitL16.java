package org.cvtzoo.zoo.dl4j;

/** vit-l16 in DL4J's zoo idiom: {@code new VitL16().initPretrained()}. */
public final class VitL16 extends SameDiffZooModel {
    public VitL16() {
        super("vit-l16");
    }
}
