package org.cvtzoo.zoo.dl4j;

/** cvt-13 in DL4J's zoo idiom: {@code new CvT13().initPretrained()}. */
public final class CvT13 extends SameDiffZooModel {
    public CvT13() {
        super("cvt-13");
    }
}
