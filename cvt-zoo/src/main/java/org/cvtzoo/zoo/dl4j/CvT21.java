package org.cvtzoo.zoo.dl4j;

/** cvt-21 in DL4J's zoo idiom: {@code new CvT21().initPretrained()}. */
public final class CvT21 extends SameDiffZooModel {
    public CvT21() {
        super("cvt-21");
    }
}
