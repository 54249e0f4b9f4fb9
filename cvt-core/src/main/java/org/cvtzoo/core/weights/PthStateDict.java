package org.cvtzoo.core.weights;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.cvtzoo.core.weights.Unpickler.Opaque;
import org.cvtzoo.core.weights.Unpickler.PickleException;
import org.cvtzoo.core.weights.Unpickler.StorageRef;
import org.cvtzoo.core.weights.Unpickler.TensorRef;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@code torch.save} zip checkpoint (torch >= 1.6): {@code <archive>/data.pkl} plus one entry
 * {@code <archive>/data/<key>} per storage. Tensors are read from the zip one at a time.
 */
final class PthStateDict extends FileStateDict<TensorRef> {

    /** Keys under which training checkpoints wrap the model's state_dict, in order of preference. */
    static final List<String> WRAPPER_KEYS = List.of("state_dict", "model", "model_ema");

    private static final long MAX_PICKLE_BYTES = 1L << 30;

    private final ZipFile zip;
    private final String prefix;
    private final ByteOrder order;

    private PthStateDict(Path file, ZipFile zip, String prefix, ByteOrder order,
                         Map<String, TensorRef> tensors) {
        super(file, zip, tensors);
        this.zip = zip;
        this.prefix = prefix;
        this.order = order;
    }

    static PthStateDict open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointException(file + ": truncated or corrupt zip archive ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open (" + e + ")", e);
        }
        return closingOnFailure(zip, z -> openZip(file, z));
    }

    private static PthStateDict openZip(Path file, ZipFile zip) {
        ZipEntry pkl = null;
        List<String> names = new ArrayList<>();
        boolean torchScript = false;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            names.add(n);
            int slash = n.indexOf('/');
            String rest = slash < 0 ? n : n.substring(slash + 1);
            if (rest.equals("data.pkl")) {
                if (pkl != null) {
                    throw new CheckpointException(file + ": zip archive holds several data.pkl ("
                            + pkl.getName() + ", " + n + ")");
                }
                pkl = e;
            }
            if (rest.equals("constants.pkl") || rest.startsWith("code/")) {
                torchScript = true;
            }
        }
        if (pkl == null) {
            throw new CheckpointException(file + ": zip archive has no data.pkl, so it is not a "
                    + "torch.save checkpoint (entries: " + abbreviate(names) + ")");
        }
        if (torchScript) {
            throw new CheckpointException(file + ": this is a TorchScript archive (torch.jit.save), "
                    + "not a torch.save checkpoint; save model.state_dict() with torch.save instead");
        }
        String name = pkl.getName();
        String prefix = name.substring(0, name.length() - "data.pkl".length());

        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null) {
            String s = new String(readEntry(file, zip, bo, 64), StandardCharsets.US_ASCII).trim();
            if (s.equals("big")) {
                order = ByteOrder.BIG_ENDIAN;
            } else if (!s.equals("little")) {
                throw new CheckpointException(file + ": unknown byteorder '" + s + "' in "
                        + bo.getName());
            }
        }

        Object root;
        try {
            root = Unpickler.load(readEntry(file, zip, pkl, MAX_PICKLE_BYTES));
        } catch (PickleException e) {
            throw new CheckpointException(file + ": cannot read " + name + ": " + e.getMessage(), e);
        }
        Map<String, TensorRef> tensors = selectTensors(file, root);
        return new PthStateDict(file, zip, prefix, order, tensors);
    }

    /** Finds the state_dict in the unpickled root object and collects its tensors. */
    private static Map<String, TensorRef> selectTensors(Path file, Object root) {
        if (!(root instanceof Map<?, ?> rootMap)) {
            throw new CheckpointException(file + ": the checkpoint holds a "
                    + Unpickler.describe(root) + ", not a dict of tensors (was a whole model "
                    + "pickled? save model.state_dict() instead)");
        }
        Map<?, ?> chosen = null;
        String chosenName = null;
        for (String w : WRAPPER_KEYS) {
            if (rootMap.get(w) instanceof Map<?, ?> m && hasTensors(m)) {
                chosen = m;
                chosenName = w;
                break;
            }
        }
        if (chosen == null && hasTensors(rootMap)) {
            chosen = rootMap;
        }
        if (chosen == null) {
            for (String w : WRAPPER_KEYS) {
                Object v = rootMap.get(w);
                if (v instanceof Opaque) {
                    throw new CheckpointException(file + ": '" + w + "' holds a "
                            + Unpickler.describe(v) + ", not a state_dict (save "
                            + "model.state_dict() instead of the model)");
                }
            }
            StringJoiner keys = new StringJoiner(", ");
            int i = 0;
            for (Object k : rootMap.keySet()) {
                if (i++ == 20) {
                    keys.add("...");
                    break;
                }
                keys.add(String.valueOf(k));
            }
            throw new CheckpointException(file + ": no tensors found (top-level keys: "
                    + keys + ")");
        }

        Map<String, TensorRef> out = new LinkedHashMap<>();
        Map<String, String> originalKey = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : chosen.entrySet()) {
            Object k = e.getKey();
            Object v = e.getValue();
            String where = chosenName == null ? "" : " in '" + chosenName + "'";
            if (!(k instanceof String key)) {
                throw new CheckpointException(file + ": state_dict" + where + " has a non-string key "
                        + Unpickler.describe(k));
            }
            if (key.equals("_metadata")) {
                continue;
            }
            if (!(v instanceof TensorRef t)) {
                throw new CheckpointException(file + ": entry '" + key + "'" + where
                        + " is a " + Unpickler.describe(v) + ", not a tensor");
            }
            String stripped = key.startsWith("module.") ? key.substring("module.".length()) : key;
            String clash = originalKey.putIfAbsent(stripped, key);
            if (clash != null) {
                throw new CheckpointException(file + ": keys '" + clash + "' and '" + key
                        + "' are the same after removing the 'module.' prefix");
            }
            out.put(stripped, t);
        }
        return out;
    }

    private static boolean hasTensors(Map<?, ?> m) {
        for (Object v : m.values()) {
            if (v instanceof TensorRef) {
                return true;
            }
        }
        return false;
    }

    @Override
    public TensorInfo info(String key) {
        TensorRef t = entry(key);
        return new TensorInfo(key, t.storage().dtype(), t.size());
    }

    @Override
    INDArray read(String key, TensorRef t) {
        StorageRef s = t.storage();
        String dtype = s.dtype();
        if (!DTypes.isSupported(dtype)) {
            throw new CheckpointException(file + ": unsupported dtype " + dtype + " for tensor '"
                    + key + "' (storage " + s.storageType() + ")");
        }
        long[] shape = t.size();
        long numel;
        long span;
        try {
            numel = StateDicts.numel(shape);
            span = numel == 0 ? 0 : StateDicts.maxRelativeIndex(shape, t.stride()) + 1;
        } catch (ArithmeticException e) {
            throw new CheckpointException(file + ": tensor '" + key + "' has an absurd shape", e);
        }
        checkFitsOneArray(key, numel);
        if (numel == 0) {
            return StateDicts.toArray(new float[0], shape);
        }
        if (t.offset() + span > s.numel()) {
            throw new CheckpointException(file + ": tensor '" + key + "' reaches element "
                    + (t.offset() + span - 1) + " of its storage, which has only " + s.numel()
                    + " elements");
        }
        int es = DTypes.elementSize(dtype);
        String entryName = prefix + "data/" + s.key();
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new CheckpointException(file + ": storage entry " + entryName + " of tensor '"
                    + key + "' is missing from the zip archive");
        }
        long needBytes = s.numel() * es;
        if (entry.getSize() >= 0 && entry.getSize() < needBytes) {
            throw new CheckpointException(file + ": storage entry " + entryName + " has "
                    + entry.getSize() + " bytes but tensor '" + key + "' needs a storage of "
                    + s.numel() + " x " + dtype + " (" + needBytes + " bytes)");
        }
        float[] data;
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(t.offset() * es);
            ReadableByteChannel ch = Channels.newChannel(in);
            data = StateDicts.readFloats(ch::read, dtype, order, span);
        } catch (EOFException e) {
            throw new CheckpointException(file + ": storage entry " + entryName + " of tensor '"
                    + key + "' is truncated (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read storage entry " + entryName
                    + " of tensor '" + key + "' (" + e.getMessage() + ")", e);
        }
        if (!StateDicts.isCContiguous(shape, t.stride())) { // a C-contiguous view spans exactly its elements
            data = StateDicts.gather(data, shape, t.stride(), (int) numel);
        }
        return StateDicts.toArray(data, shape);
    }

    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e, long limit) {
        if (e.getSize() > limit) {
            throw new CheckpointException(file + ": " + e.getName() + " is implausibly large ("
                    + e.getSize() + " bytes)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 16));
            if (e.getSize() >= 0 && b.length != e.getSize()) {
                throw new CheckpointException(file + ": " + e.getName() + " inflates to " + b.length
                        + " bytes, not the " + e.getSize() + " its zip entry declares (corrupt zip archive)");
            }
            return b;
        } catch (IOException ex) {
            throw new CheckpointException(file + ": truncated or corrupt zip archive (cannot read "
                    + e.getName() + ": " + ex.getMessage() + ")", ex);
        }
    }

    private static String abbreviate(List<String> names) {
        if (names.size() <= 8) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, 8)) + ", ... (" + names.size() + " in all)";
    }
}
