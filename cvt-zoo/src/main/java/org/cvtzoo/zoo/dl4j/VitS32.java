package org.cvtzoo.zoo.dl4j;

/** vit-s32 in DL4J's zoo idiom: {@code new VitS32().initPretrained()}. */
public final class VitS32 extends SameDiffZooModel {
    public VitS32() {
        super("vit-s32");
    }
}
