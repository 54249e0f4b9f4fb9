package org.cvtzoo.core.exec;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The memory behind a plan's intermediate arrays. With sharing, a buffer given back once its
 * array's last reader has run is taken by a later array of the same type: the smallest free
 * buffer that is large enough, else a new one of exactly the size asked. Arrays are c-order
 * views from the start of their buffer.
 *
 * <p>A pool may start with another pool's buffers free ({@link #BufferPool(boolean, BufferPool)}):
 * a plan built on it uses the other plan's memory, so the two must never run at the same time
 * (a trainer's plan for its last, smaller batch beside the plan of its full batches).
 */
final class BufferPool implements AutoCloseable {
    private final boolean share;
    private final Map<DataType, List<DataBuffer>> free = new EnumMap<>(DataType.class);
    private final Set<DataBuffer> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<INDArray> allocations = new ArrayList<>();
    private long bytes;

    BufferPool(boolean share) {
        this(share, null);
    }

    /** A pool whose free buffers are at first {@code lender}'s (which keeps and frees them), if sharing. */
    BufferPool(boolean share, BufferPool lender) {
        this.share = share;
        if (share && lender != null) {
            for (INDArray a : lender.allocations) {
                free.computeIfAbsent(a.dataType(), t -> new ArrayList<>()).add(a.data());
                owned.add(a.data());
            }
        }
    }

    INDArray take(LongShapeDescriptor d) {
        if (d.isEmpty()) return Nd4j.create(d);
        long[] shape = d.getShape();
        long length = 1;
        for (long s : shape) length *= s;
        DataBuffer buffer = bestFit(d.dataType(), length);
        if (buffer == null) {
            INDArray flat = Nd4j.createUninitializedDetached(d.dataType(), length);
            allocations.add(flat);
            buffer = flat.data();
            owned.add(buffer);
            bytes += length * d.dataType().width();
        }
        return Nd4j.create(buffer, shape, Nd4j.getStrides(shape, 'c'), 0, 'c', d.dataType());
    }

    private DataBuffer bestFit(DataType type, long length) {
        List<DataBuffer> candidates = free.getOrDefault(type, List.of());
        int best = -1;
        for (int i = 0; i < candidates.size(); i++) {
            long size = candidates.get(i).length();
            if (size >= length && (best < 0 || size < candidates.get(best).length())) best = i;
        }
        return best < 0 ? null : candidates.remove(best);
    }

    /** Gives back the buffer of an array from {@link #take}: nothing reads that array any more. */
    void release(INDArray array) {
        if (share && owned.contains(array.data())) {
            free.computeIfAbsent(array.dataType(), t -> new ArrayList<>()).add(array.data());
        }
    }

    /** Bytes allocated for intermediates (not counting a lender's buffers). */
    long bytes() {
        return bytes;
    }

    /** Frees the buffers this pool allocated (a lender's stay with it). */
    @Override
    public void close() {
        allocations.forEach(INDArray::close);
    }
}
