package org.cvtzoo.zoo.dl4j;

/** patchconvnet-b60 in DL4J's zoo idiom: {@code new PatchConvNetB60().initPretrained()}. */
public final class PatchConvNetB60 extends SameDiffZooModel {
    public PatchConvNetB60() {
        super("patchconvnet-b60");
    }
}
