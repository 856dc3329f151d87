package piiprobe.lab.bpe;

import java.util.Arrays;

/**
 * Open-addressing map from a token pair, packed in a long, to a long: merge ranks in the encoder,
 * pair counts in the trainer. A boxed HashMap costs an allocation per lookup on the hot path.
 */
final class PairMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private long[] values;
    private int size;

    PairMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
    }

    /** The value for {@code key}, or {@code missing} if there is none. */
    long get(long key, long missing) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) return values[i];
            if (keys[i] == EMPTY) return missing;
        }
    }

    void put(long key, long value) {
        values[find(key)] = value;
    }

    /** Adds {@code delta} to the value of {@code key} (absent counts as 0) and returns the sum. */
    long add(long key, long delta) {
        int i = find(key);
        return values[i] += delta;
    }

    private int find(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) return i;
            if (keys[i] == EMPTY) {
                if (2 * (size + 1) > keys.length) {
                    grow();
                    return find(key);
                }
                keys[i] = key;
                values[i] = 0;
                size++;
                return i;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys, oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] == EMPTY) continue;
            int i = slot(oldKeys[j], mask);
            while (keys[i] != EMPTY) i = (i + 1) & mask;
            keys[i] = oldKeys[j];
            values[i] = oldValues[j];
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
