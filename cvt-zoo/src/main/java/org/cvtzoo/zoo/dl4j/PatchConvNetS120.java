package org.cvtzoo.zoo.dl4j;

/** patchconvnet-s120 in DL4J's zoo idiom: {@code new PatchConvNetS120().initPretrained()}. */
public final class PatchConvNetS120 extends SameDiffZooModel {
    public PatchConvNetS120() {
        super("patchconvnet-s120");
    }
}
