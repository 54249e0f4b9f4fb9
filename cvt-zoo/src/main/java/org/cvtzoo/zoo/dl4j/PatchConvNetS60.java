package org.cvtzoo.zoo.dl4j;

/** patchconvnet-s60 in DL4J's zoo idiom: {@code new PatchConvNetS60().initPretrained()}. */
public final class PatchConvNetS60 extends SameDiffZooModel {
    public PatchConvNetS60() {
        super("patchconvnet-s60");
    }
}
