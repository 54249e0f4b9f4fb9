package org.cvtzoo.core.exec;

import org.cvtzoo.core.ZooException;

/**
 * What runs inference graphs: {@link ExecutionPlan}s (the default), or SameDiff's own
 * {@code output()} with {@code -Dcvt.exec=samediff}, for comparison and debugging.
 */
public enum Execution {
    PLAN, SAMEDIFF;

    public static final String PROPERTY = "cvt.exec";

    /** The choice of system property {@value #PROPERTY} ({@code plan} or {@code samediff}), read on each call. */
    public static Execution configured() {
        String value = System.getProperty(PROPERTY, "plan");
        return switch (value) {
            case "plan" -> PLAN;
            case "samediff" -> SAMEDIFF;
            default -> throw new ZooException("-D" + PROPERTY + " must be plan or samediff, got '" + value + "'");
        };
    }
}
