package org.cvtzoo.zoo.dl4j;

/** vit-s16 in DL4J's zoo idiom: {@code new VitS16().initPretrained()}. */
public final class VitS16 extends SameDiffZooModel {
    public VitS16() {
        super("vit-s16");
    }
}
