package org.cvtzoo.zoo.dl4j;

/** vit-b16 in DL4J's zoo idiom: {@code new VitB16().initPretrained()}. */
public final class VitB16 extends SameDiffZooModel {
    public VitB16() {
        super("vit-b16");
    }
}
