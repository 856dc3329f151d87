package piiprobe.engine.model;

import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.TensorRef;
import piiprobe.engine.kernel.PackedMatrix;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an architecture's constructor gets its tensors, by their transformers names and expected
 * shapes. The constructor is thus the one statement of what a checkpoint must hold: {@link Loaded}
 * reads a checkpoint, {@link Recorder} only notes the requests so that a random-weight checkpoint
 * of any configuration can be written ({@link RandomCheckpoint}).
 */
abstract sealed class Weights {
    /** What a vector is for, so random weights look like trained ones (gains near 1, biases near 0). */
    enum Kind { MATRIX, BIAS, GAIN }

    /** nn.Linear weight [out, in]. */
    final PackedMatrix linear(String name, int out, int in) {
        return linears(in, new String[] {name}, new int[] {out});
    }

    /** Several nn.Linear weights [outs[i], in] on one input, packed side by side (q | k | v, gate | up). */
    abstract PackedMatrix linears(int in, String[] names, int[] outs);

    /** GPT-2's Conv1D weight [in, out]. */
    abstract PackedMatrix conv1d(String name, int in, int out);

    abstract float[] vector(String name, int n, Kind kind);

    /** An embedding table [rows, dim], read in place. */
    abstract TensorRef embedding(String name, int rows, int dim);

    /** Memory holding packed weights; the model closes it. */
    abstract Arena arena();

    /** Reads a checkpoint; names under the base model's prefix also match files saved without it (hub GPT-2). */
    static final class Loaded extends Weights {
        private final Checkpoint checkpoint;
        private final String prefix;
        private final Arena arena = Arena.ofShared();

        Loaded(Checkpoint checkpoint, String basePrefix) {
            this.checkpoint = checkpoint;
            this.prefix = basePrefix + ".";
        }

        private TensorRef tensor(String name, long... shape) {
            String n = name;
            if (!checkpoint.has(n) && n.startsWith(prefix) && checkpoint.has(n.substring(prefix.length()))) n = n.substring(prefix.length());
            return checkpoint.tensor(n, shape);
        }

        @Override
        PackedMatrix linears(int in, String[] names, int[] outs) {
            List<PackedMatrix.Part> parts = new ArrayList<>();
            for (int i = 0; i < names.length; i++) parts.add(new PackedMatrix.Part(tensor(names[i], outs[i], in), true));
            return PackedMatrix.pack(arena, parts);
        }

        @Override
        PackedMatrix conv1d(String name, int in, int out) {
            return PackedMatrix.pack(arena, List.of(new PackedMatrix.Part(tensor(name, in, out), false)));
        }

        @Override
        float[] vector(String name, int n, Kind kind) {
            return tensor(name, n).toFloatArray();
        }

        @Override
        TensorRef embedding(String name, int rows, int dim) {
            return tensor(name, rows, dim);
        }

        @Override
        Arena arena() {
            return arena;
        }
    }

    /** Notes each requested tensor's name, shape and kind; returns placeholders. */
    static final class Recorder extends Weights {
        record Spec(String name, long[] shape, Kind kind) {}

        private final Map<String, Spec> specs = new LinkedHashMap<>();

        List<Spec> specs() {
            return List.copyOf(specs.values());
        }

        private void note(String name, Kind kind, long... shape) {
            Spec old = specs.putIfAbsent(name, new Spec(name, shape, kind));
            if (old != null && !Arrays.equals(old.shape, shape))
                throw new IllegalStateException(name + " requested as " + Arrays.toString(old.shape) + " and " + Arrays.toString(shape));
        }

        @Override
        PackedMatrix linears(int in, String[] names, int[] outs) {
            for (int i = 0; i < names.length; i++) note(names[i], Kind.MATRIX, outs[i], in);
            return null;
        }

        @Override
        PackedMatrix conv1d(String name, int in, int out) {
            note(name, Kind.MATRIX, in, out);
            return null;
        }

        @Override
        float[] vector(String name, int n, Kind kind) {
            note(name, kind, n);
            return new float[n];
        }

        @Override
        TensorRef embedding(String name, int rows, int dim) {
            note(name, Kind.MATRIX, rows, dim);
            return null;
        }

        @Override
        Arena arena() {
            return null;
        }
    }
}
