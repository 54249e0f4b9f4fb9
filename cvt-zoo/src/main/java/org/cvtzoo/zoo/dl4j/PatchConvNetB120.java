package org.cvtzoo.zoo.dl4j;

/** patchconvnet-b120 in DL4J's zoo idiom: {@code new PatchConvNetB120().initPretrained()}. */
public final class PatchConvNetB120 extends SameDiffZooModel {
    public PatchConvNetB120() {
        super("patchconvnet-b120");
    }
}
