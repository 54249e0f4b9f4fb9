package org.cvtzoo.core.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.cvtzoo.core.weights.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The fixtures in src/test/resources/image (made by make_fixtures.py). */
final class ImageFixtures {
    private ImageFixtures() {
    }

    static Path path(String name) {
        URL url = ImageFixtures.class.getResource("/image/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String name) {
        try (InputStream in = Files.newInputStream(path(name))) {
            return JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzipped .npy fixture (gen.py --preprocess output), as float32. */
    static INDArray npyGz(String name) {
        try {
            Path tmp = Files.createTempFile("fixture", ".npy");
            try {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(path(name)))) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                return Npy.read(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of a float32 tensor's little-endian C-order bytes (as numpy's tobytes()). */
    static String sha256(INDArray t) {
        float[] v = t.dup('c').data().asFloat();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return sha256(b.array());
    }
}
