package org.cvtzoo.zoo.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads spec files: JSON, or YAML (the official experiment files); the content decides which. */
public final class SpecFiles {
    private SpecFiles() {
    }

    public static JsonNode read(Path path) {
        try {
            return parse(Files.readString(path), path.toString());
        } catch (NoSuchFileException e) {
            throw new SpecException("no such spec file: " + path);
        } catch (IOException e) {
            throw new SpecException("cannot read spec file " + path + ": " + e.getMessage(), e);
        }
    }

    public static JsonNode readResource(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }

    public static JsonNode parse(String text, String source) {
        ObjectMapper mapper = text.stripLeading().startsWith("{") ? new ObjectMapper() : new YAMLMapper();
        try {
            JsonNode node = mapper.readTree(text);
            if (node == null || !node.isObject()) {
                throw new SpecException(source + ": not a spec (expected a JSON or YAML mapping)");
            }
            return node;
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new SpecException(source + ": not valid JSON or YAML: " + msg, e);
        }
    }
}
