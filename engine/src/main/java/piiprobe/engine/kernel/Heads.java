package piiprobe.engine.kernel;

/**
 * A view of per-head vectors inside a projection's output, so that q, k and v are read where the
 * matmul wrote them: element e of head h of token t is {@code data[t·tokenStride + offset + h·headStride + e]}.
 * GPT-2's [q | k | v] blocks have headStride = head size; GPT-NeoX's per-head [q k v] triples have
 * headStride = 3 · head size.
 */
public record Heads(float[] data, int tokenStride, int offset, int headStride) {
    public int at(int token, int head) {
        return token * tokenStride + offset + head * headStride;
    }
}
