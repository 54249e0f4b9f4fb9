package org.cvtzoo.zoo;

import org.cvtzoo.zoo.cvt.CvT;
import org.cvtzoo.zoo.cvt.CvtSpec;
import org.cvtzoo.zoo.spec.SpecFiles;

import java.util.List;

/** A variant from "another jar", found through ServiceLoader (see META-INF/services in test resources). */
public final class TestVariantProvider implements VariantProvider {
    @Override
    public List<Variant> variants() {
        CvtSpec spec = CvtSpec.fromTree(SpecFiles.read(Fixtures.dir("cvt_tiny").resolve("spec.json")), "cvt_tiny");
        return List.of(new Variant(new CvT("test-cvt-tiny", spec), List.of("tiny-from-provider"), new Card(null, null)));
    }
}
