package org.cvtzoo.core.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens checkpoint files, recognising the format by content. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** The formats {@link #detect} recognises. */
    public enum Format {
        /** {@code torch.save} zip archive (torch >= 1.6). */
        PYTORCH_ZIP,
        /** Hugging Face safetensors. */
        SAFETENSORS
    }

    /**
     * Opens a checkpoint lazily: a {@code torch.save} zip ({@code .pth}/{@code .pt}/{@code .bin})
     * or a {@code .safetensors} file, whatever the file is called.
     *
     * <p>For {@code .pth}, the state_dict is the root dict, or the dict under {@code state_dict},
     * {@code model} or {@code model_ema} (first found) in a training checkpoint; a
     * {@code module.} prefix (DataParallel) is removed from the keys.
     *
     * @throws CheckpointException if the file is missing, unreadable, of another format or corrupt
     */
    public static StateDict open(Path file) {
        switch (detect(file)) {
            case PYTORCH_ZIP:
                return PthStateDict.open(file);
            case SAFETENSORS:
                return SafetensorsStateDict.open(file);
            default:
                throw new AssertionError();
        }
    }

    /**
     * Recognises the file's format from its first bytes.
     *
     * @throws CheckpointException if the file is missing or not a supported checkpoint format; the
     *                             message says what the file looks like instead
     */
    public static Format detect(Path file) {
        if (!Files.exists(file)) {
            // a relative path: say where it was looked for (in a notebook, the working directory is the notebook's folder)
            throw new CheckpointException("no such file: " + file + (file.isAbsolute() ? ""
                    : " (looked for " + file.toAbsolutePath().normalize() + ": relative to the working directory)"));
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": not a regular file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e + ")", e);
        }
        if (head.length == 0) {
            throw new CheckpointException(file + ": empty file");
        }
        if (startsWith(head, 'P', 'K', 3, 4) || startsWith(head, 'P', 'K', 5, 6)) {
            return Format.PYTORCH_ZIP;
        }
        if (head.length >= 9 && head[8] == '{') {
            return Format.SAFETENSORS;
        }
        if ((head[0] & 0xff) == 0x80 && head.length > 1 && head[1] >= 2 && head[1] <= 5) {
            throw new CheckpointException(file + ": not a PyTorch zip checkpoint (this is a bare "
                    + "pickle stream: the legacy torch.save format is not supported; re-save with "
                    + "torch >= 1.6)");
        }
        if (startsWith(head, 0x93, 'N', 'U', 'M', 'P', 'Y')) {
            throw new CheckpointException(file + ": this is a .npy array, not a checkpoint "
                    + "(read it with Npy.read)");
        }
        if (startsWith(head, 0x1f, 0x8b)) {
            throw new CheckpointException(file + ": gzip-compressed file; decompress it first");
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        if (text.startsWith("version https")) {
            throw new CheckpointException(file + ": this is a Git LFS pointer file, not the "
                    + "weights (fetch them with git lfs pull)");
        }
        throw new CheckpointException(file + ": unrecognised format (first bytes: " + hex(head)
                + "); expected a PyTorch zip checkpoint (PK\\x03\\x04) or a safetensors file");
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 8); i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
