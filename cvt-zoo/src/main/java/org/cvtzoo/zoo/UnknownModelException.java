package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;

/** A model name that no registered variant has (name or alias); the message lists the known ones. */
public class UnknownModelException extends ZooException {
    public UnknownModelException(String message) {
        super(message);
    }
}
