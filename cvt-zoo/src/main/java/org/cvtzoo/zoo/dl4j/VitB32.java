package org.cvtzoo.zoo.dl4j;

/** vit-b32 in DL4J's zoo idiom: {@code new VitB32().initPretrained()}. */
public final class VitB32 extends SameDiffZooModel {
    public VitB32() {
        super("vit-b32");
    }
}
