package org.cvtzoo.zoo;

import java.util.List;

/**
 * Adds variants to the {@link Zoo} from another jar, without touching this project: implement
 * this, list the class in {@code META-INF/services/org.cvtzoo.zoo.VariantProvider}, and the
 * variants appear in {@code Zoo.variants()}, {@code Zoo.load(name)} and {@code bin/cvt models}.
 */
public interface VariantProvider {
    List<Variant> variants();
}
