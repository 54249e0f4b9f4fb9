package org.cvtzoo.zoo.dl4j;

/** cvt-w24 in DL4J's zoo idiom: {@code new CvTW24().initPretrained()}. */
public final class CvTW24 extends SameDiffZooModel {
    public CvTW24() {
        super("cvt-w24");
    }
}
