package org.cvtzoo.zoo.dl4j;

/** patchconvnet-l120 in DL4J's zoo idiom: {@code new PatchConvNetL120().initPretrained()}. */
public final class PatchConvNetL120 extends SameDiffZooModel {
    public PatchConvNetL120() {
        super("patchconvnet-l120");
    }
}
