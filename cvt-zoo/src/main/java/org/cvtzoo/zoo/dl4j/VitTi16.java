package org.cvtzoo.zoo.dl4j;

/** vit-ti16 in DL4J's zoo idiom: {@code new VitTi16().initPretrained()}. */
public final class VitTi16 extends SameDiffZooModel {
    public VitTi16() {
        super("vit-ti16");
    }
}
