package org.cvtzoo.zoo.dl4j;

/** patchconvnet-l60 in DL4J's zoo idiom: {@code new PatchConvNetL60().initPretrained()}. */
public final class PatchConvNetL60 extends SameDiffZooModel {
    public PatchConvNetL60() {
        super("patchconvnet-l60");
    }
}
