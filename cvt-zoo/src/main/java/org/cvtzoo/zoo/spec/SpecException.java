package org.cvtzoo.zoo.spec;

import org.cvtzoo.core.ZooException;

/** A model spec that cannot describe a model: unknown value, missing field, inconsistent lists. */
public class SpecException extends ZooException {
    public SpecException(String message) {
        super(message);
    }

    public SpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
