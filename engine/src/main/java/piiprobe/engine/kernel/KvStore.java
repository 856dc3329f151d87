package piiprobe.engine.kernel;

import piiprobe.engine.UserError;
import piiprobe.engine.model.KvCache;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The KV cache of every architecture: per layer, keys and values in float32, plus which slots are
 * real. A row's slots are grouped in blocks of {@link Attention#SLOTS}, and a block holds every kv
 * head's part of it: [physical row][block][kv head][...]. Within a head's part, keys are stored
 * transposed, [dim][slot], so that one vector of the block's scores is a sum of scaled vectors with no
 * horizontal additions; values are [slot][dim]. A row's cache is thus one contiguous run that
 * attention reads front to back. Dims run to the stride: the head size rounded up to whole blocks of
 * {@link Attention#BLOCK} floats, zeros past the head, so that loops run over full vectors without
 * masks. Logical rows map to physical rows, so {@link #select} moves no data for rows that survive
 * once and copies only forks. Slot storage grows on demand, in whole blocks, up to the capacity.
 */
public final class KvStore implements KvCache {
    private final Object owner;
    private final int layers;
    private final int kvHeads;
    private final int stride;
    private final int capacity;
    private int rows;
    private int length;
    private int slots;
    private int physRows;
    private int[] phys;
    private float[][] keys;
    private float[][] values;
    private boolean[] real;

    /** @param owner the model whose forward pass may use this cache */
    public KvStore(Object owner, int layers, int kvHeads, int headDim, int rows, int capacity) {
        if (rows < 0 || capacity < 1) throw new IllegalArgumentException("a cache needs rows >= 0 and capacity >= 1, got " + rows + ", " + capacity);
        this.owner = owner;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.stride = Attention.padded(headDim);
        this.capacity = capacity;
        this.rows = rows;
        this.physRows = rows;
        this.phys = new int[rows];
        for (int r = 0; r < rows; r++) phys[r] = r;
        this.keys = new float[layers][0];
        this.values = new float[layers][0];
        this.real = new boolean[0];
    }

    public Object owner() {
        return owner;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Floats per slot of one head: the head size rounded up to whole blocks. */
    int stride() {
        return stride;
    }

    /** Slots allocated per row, a whole number of blocks; at least {@link #length()}. */
    int slots() {
        return slots;
    }

    /** Floats of one kv head's part of a block. */
    int headFloats() {
        return Attention.SLOTS * stride;
    }

    /** Floats of one block: every kv head's part. */
    int blockFloats() {
        return kvHeads * headFloats();
    }

    /** Floats of one physical row. */
    int rowFloats() {
        return slots / Attention.SLOTS * blockFloats();
    }

    /** Where kv head {@code head}'s part of the block holding {@code slot} starts in a physical row's keys or values. */
    int headAt(int physRow, int slot, int head) {
        return physRow * rowFloats() + slot / Attention.SLOTS * blockFloats() + head * headFloats();
    }

    /** Writes the key and value of one head at one slot: {@code n} floats each. */
    void put(int layer, int physRow, int slot, int head, float[] k, int kOff, float[] v, int vOff, int n) {
        int at = headAt(physRow, slot, head), lane = slot % Attention.SLOTS;
        float[] kc = keys[layer];
        for (int d = 0; d < n; d++) kc[at + d * Attention.SLOTS + lane] = k[kOff + d];
        System.arraycopy(v, vOff, values[layer], at + lane * stride, n);
    }

    int physical(int row) {
        return phys[row];
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    boolean real(int physRow, int slot) {
        return real[physRow * slots + slot];
    }

    /** Whether slots [from, to) of a physical row are all real (no padding among them). */
    boolean allReal(int physRow, int from, int to) {
        for (int i = physRow * slots + from, end = physRow * slots + to; i < end; i++)
            if (!real[i]) return false;
        return true;
    }

    /**
     * Opens {@code steps} new slots in every row, marking which are real ({@code isReal[r·steps + t]});
     * the forward pass then writes their keys and values, and {@link #advance} commits them.
     */
    public void open(int steps, boolean[] isReal) {
        if (length + steps > capacity)
            throw new IllegalArgumentException("KV cache full: " + length + " + " + steps + " slots exceed its capacity of " + capacity);
        reserve(length + steps);
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < steps; t++) real[phys[r] * slots + length + t] = isReal[r * steps + t];
    }

    public void advance(int steps) {
        length += steps;
    }

    /**
     * Grows slot storage to hold {@code needed} slots: straight to the capacity when that is close
     * (no second copy later), else doubling.
     */
    private void reserve(int needed) {
        if (needed <= slots) return;
        int grown = capacity <= 4L * needed ? capacity : Math.max(needed, Math.min(capacity, 2 * slots));
        grown = Math.ceilDiv(grown, Attention.SLOTS) * Attention.SLOTS;
        long floats = (long) physRows * grown * kvHeads * stride;
        if (floats > Integer.MAX_VALUE - 16)
            throw new UserError("the KV cache for " + physRows + " rows of " + grown + " tokens is too large for one layer's array; use a smaller batch or shorter sequences");
        for (int l = 0; l < layers; l++) {
            keys[l] = relayout(keys[l], grown);
            values[l] = relayout(values[l], grown);
        }
        boolean[] newReal = new boolean[physRows * grown];
        for (int p = 0; p < physRows; p++) System.arraycopy(real, p * slots, newReal, p * grown, length);
        real = newReal;
        slots = grown;
    }

    private float[] relayout(float[] old, int grown) {
        int oldRow = rowFloats(), newRow = grown / Attention.SLOTS * blockFloats();
        float[] a = new float[physRows * newRow];
        for (int p = 0; p < physRows; p++) System.arraycopy(old, p * oldRow, a, p * newRow, usedFloats());
        return a;
    }

    /** Floats of a row's blocks that hold committed slots. */
    private int usedFloats() {
        return Math.ceilDiv(length, Attention.SLOTS) * blockFloats();
    }

    @Override
    public void select(int[] from) {
        for (int f : from)
            if (f < 0 || f >= rows) throw new IllegalArgumentException("select: row " + f + " is outside 0.." + (rows - 1));
        boolean[] claimed = new boolean[physRows];
        int[] next = new int[from.length];
        for (int i = 0; i < from.length; i++) {
            int p = phys[from[i]];
            if (!claimed[p]) {
                claimed[p] = true;
                next[i] = p;
            } else {
                next[i] = -1;
            }
        }
        ArrayDeque<Integer> free = new ArrayDeque<>();
        for (int p = 0; p < physRows; p++) if (!claimed[p]) free.add(p);
        int forks = 0;
        for (int n : next) if (n < 0) forks++;
        if (forks > free.size()) addPhysicalRows(forks - free.size(), free);
        for (int i = 0; i < from.length; i++) {
            if (next[i] >= 0) continue;
            int dest = free.poll();
            copyRow(phys[from[i]], dest);
            next[i] = dest;
        }
        phys = next;
        rows = from.length;
    }

    private void addPhysicalRows(int extra, ArrayDeque<Integer> free) {
        int grown = physRows + extra;
        int rowFloats = rowFloats();
        for (int l = 0; l < layers; l++) {
            keys[l] = Arrays.copyOf(keys[l], grown * rowFloats);
            values[l] = Arrays.copyOf(values[l], grown * rowFloats);
        }
        real = Arrays.copyOf(real, grown * slots);
        for (int p = physRows; p < grown; p++) free.add(p);
        physRows = grown;
    }

    private void copyRow(int src, int dest) {
        int rowFloats = rowFloats();
        for (int l = 0; l < layers; l++) {
            System.arraycopy(keys[l], src * rowFloats, keys[l], dest * rowFloats, usedFloats());
            System.arraycopy(values[l], src * rowFloats, values[l], dest * rowFloats, usedFloats());
        }
        System.arraycopy(real, src * slots, real, dest * slots, length);
    }
}
