package piiprobe.engine.model;

import java.lang.foreign.Arena;

/** What every architecture shares besides its forward pass: limits from config.json, the cache's shape, packed-weight memory. */
abstract class CausalLm implements Transformer {
    final Batch.Limits limits;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final Arena arena;

    CausalLm(Batch.Limits limits, int layers, int kvHeads, int headDim, Arena arena) {
        this.limits = limits;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.arena = arena;
    }

    @Override
    public int vocabSize() {
        return limits.vocab();
    }

    @Override
    public int maxPositions() {
        return limits.maxPositions();
    }

    @Override
    public KvCache newCache(int rows, int capacity) {
        return Batch.newCache(this, limits, layers, kvHeads, headDim, rows, capacity);
    }

    @Override
    public void close() {
        arena.close();
    }
}
