package org.cvtzoo.core;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.cvtzoo.core.weights.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A folder of fixtures in src/test/resources (made by the make_fixtures.py in it). */
public final class Fixtures {
    public static final Fixtures DATA = new Fixtures("data");
    public static final Fixtures IMAGE = new Fixtures("image");
    public static final Fixtures WEIGHTS = new Fixtures("weights");

    // weights/expected.json holds NaN and Infinity, as torch/numpy write them
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private final String folder;

    private Fixtures(String folder) {
        this.folder = folder;
    }

    public Path path(String name) {
        URL url = Fixtures.class.getResource("/" + folder + "/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + folder + "/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public JsonNode json(String name) {
        try (InputStream in = Files.newInputStream(path(name))) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzipped .npy fixture (gen.py --preprocess output), as float32. */
    public INDArray npyGz(String name) {
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

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of a float32 tensor's little-endian C-order bytes (as numpy's tobytes()). */
    public static String sha256(INDArray t) {
        float[] v = t.dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return sha256(b.array());
    }
}
