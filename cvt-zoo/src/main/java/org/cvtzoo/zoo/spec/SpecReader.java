package org.cvtzoo.zoo.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads the fields of one spec tree (JSON or YAML), typed and with defaults, for every family
 * alike: each problem (a missing field, a wrong type, an unknown field, a bad value) is collected
 * under the field's full name, and {@link #done()} reports them all at once in one
 * {@link SpecException} that starts with the spec's source. A field that failed reads as a
 * placeholder, so that reading can go on; {@link #ok} tells whether it did.
 */
public final class SpecReader {
    private final JsonNode tree;
    private final String source, path;
    private final List<String> problems;
    private final Set<String> failed;
    private final String lengthField;
    private final int length;

    public SpecReader(JsonNode tree, String source) {
        this(tree, source, "", new ArrayList<>(), new TreeSet<>(), null, -1);
    }

    private SpecReader(JsonNode tree, String source, String path, List<String> problems, Set<String> failed,
                       String lengthField, int length) {
        this.tree = tree;
        this.source = source;
        this.path = path;
        this.problems = problems;
        this.failed = failed;
        this.lengthField = lengthField;
        this.length = length;
    }

    /** The reader of a nested mapping ({@code MODEL}, then {@code SPEC}); problems go to the same report. */
    public SpecReader section(String field) {
        return new SpecReader(tree.path(field), source, path + field + ".", problems, failed, lengthField, length);
    }

    /** This reader, with lists that must have {@code length} entries, as field {@code lengthField} says (CvT's NUM_STAGES). */
    public SpecReader listsOf(String lengthField, int length) {
        return new SpecReader(tree, source, path, problems, failed, lengthField, length);
    }

    public boolean has(String field) {
        JsonNode n = tree.path(field);
        return !n.isMissingNode() && !n.isNull();
    }

    /** Every field that is not one of {@code known} is a problem: it would change what the model computes. */
    public SpecReader onlyKnown(Set<String> known) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) unknown.add(f);
        }
        if (!unknown.isEmpty()) {
            problem("unknown field(s) " + unknown.stream().map(f -> path + f).toList() + " (known: "
                    + String.join(", ", new TreeSet<>(known)) + ")");
        }
        return this;
    }

    /** An integer; {@code dflt} null: required. */
    public int integer(String field, Integer dflt) {
        return read(field, dflt, 0, "an integer", SpecReader::asInt);
    }

    /** A number; {@code dflt} null: required. */
    public double number(String field, Double dflt) {
        return read(field, dflt, 0.0, "a number", n -> n.isNumber() ? n.asDouble() : null);
    }

    public boolean bool(String field, Boolean dflt) {
        return read(field, dflt, false, "true or false", n -> n.isBoolean() ? n.asBoolean() : null);
    }

    public String text(String field, String dflt) {
        return read(field, dflt, "", "a string", n -> n.isTextual() ? n.asText() : null);
    }

    /** A list of integers, any length; {@code dflt} null: required. */
    public List<Integer> integerList(String field, List<Integer> dflt) {
        return list(field, -1, dflt, 0, "an integer", SpecReader::asInt);
    }

    /** A list of integers of the length {@link #listsOf} set, required. */
    public List<Integer> integers(String field) {
        return list(field, length, null, 0, "an integer", SpecReader::asInt);
    }

    /** A list of numbers of the length {@link #listsOf} set; {@code dflt} (for every entry) null: required. */
    public List<Double> numbers(String field, Double dflt) {
        return list(field, length, dflt == null ? null : repeat(dflt, length), 0.0, "a number",
                n -> n.isNumber() ? n.asDouble() : null);
    }

    public List<Double> numberList(String field, List<Double> dflt) {
        return list(field, -1, dflt, 0.0, "a number", n -> n.isNumber() ? n.asDouble() : null);
    }

    public List<Boolean> bools(String field, Boolean dflt) {
        return list(field, length, dflt == null ? null : repeat(dflt, length), false, "true or false",
                n -> n.isBoolean() ? n.asBoolean() : null);
    }

    public List<String> texts(String field) {
        return list(field, length, null, "", "a string", n -> n.isTextual() ? n.asText() : null);
    }

    /** Records a problem with a field's value (unless reading the field already failed). */
    public void check(boolean fine, String field, String problem) {
        if (!fine && ok(field)) {
            failed.add(path + field);
            problem(path + field + " " + problem);
        }
    }

    /** Records a problem that no single field owns. */
    public void problem(String message) {
        problems.add(message);
    }

    /** Whether a field was read without a problem. */
    public boolean ok(String field) {
        return !failed.contains(path + field);
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Throws every problem found, in one message starting with the source; nothing when there were none. */
    public void done() {
        if (!problems.isEmpty()) throw new SpecException(source + ": " + String.join("; ", problems));
    }

    /** Values read as numbers, as the float32 that image normalisation uses. */
    public static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i).floatValue();
        return out;
    }

    private <T> T read(String field, T dflt, T placeholder, String what, Function<JsonNode, T> parse) {
        JsonNode n = tree.path(field);
        if (n.isMissingNode() || n.isNull()) {
            if (dflt != null) return dflt;
            return fail(field, "is missing", placeholder);
        }
        T v = parse.apply(n);
        return v != null ? v : fail(field, "must be " + what + ", got " + n, placeholder);
    }

    private <T> List<T> list(String field, int size, List<T> dflt, T placeholder, String what, Function<JsonNode, T> parse) {
        JsonNode n = tree.path(field);
        if (n.isMissingNode() || n.isNull()) {
            if (dflt != null) return List.copyOf(dflt);
            return fail(field, "is missing", repeat(placeholder, Math.max(size, 0)));
        }
        if (!n.isArray()) return fail(field, "must be a list, got " + n, repeat(placeholder, Math.max(size, 0)));
        if (size >= 0 && n.size() != size) {
            return fail(field, "has " + n.size() + " entries but " + lengthField + " is " + size, repeat(placeholder, size));
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            T v = parse.apply(n.get(i));
            if (v == null) {
                fail(field, "[" + i + "] must be " + what + ", got " + n.get(i), null);
                v = placeholder;
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    private <T> T fail(String field, String problem, T placeholder) {
        failed.add(path + field);
        problems.add(path + field + (problem.startsWith("[") ? "" : " ") + problem);
        return placeholder;
    }

    private static Integer asInt(JsonNode n) {
        boolean integral = n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()));
        return integral && n.canConvertToInt() ? n.asInt() : null;
    }

    private static <T> List<T> repeat(T v, int n) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(v);
        return out;
    }
}
