package piiprobe.audit.metrics;

import piiprobe.engine.Decoding;
import piiprobe.engine.LanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Sound bounds on the probability that sampling a continuation of a prompt makes an event happen
 * (BEAVER, arXiv 2512.05439): best-first expansion of the trie of sampled token sequences.
 *
 * <p>Each expansion asks the model for the next-token distribution after one open prefix, and each of
 * its children (with the chance {@link SamplingStep} gives it) is judged by the event: it happens in
 * every continuation through the child (its mass joins the lower bound), in none (its mass is ruled
 * out), or the child stays open, on the frontier. The lower bound is the mass that provably makes
 * the event happen, the upper bound 1 minus the mass that provably does not: the frontier's mass, and
 * any mass never accounted for (the unknown tail of a served model's top-N log-probabilities, children
 * too unlikely to be judged), lie between them. Masses are lower bounds of the true chances, so both
 * bounds are sound; both only ever grow, so they tighten with the budget.
 *
 * <p>The frontier is expanded most likely first, up to {@value #ROUND} prefixes per model call (they
 * share the prompt, which the model computes once per call): the likeliest, and those with at least
 * 1/{@value #ROUND_SPREAD} of its mass, so that a path the model is sure of goes deeper by one token
 * per call instead of waiting for fifteen unlikely siblings. A larger budget repeats a smaller one's
 * expansions and adds more, so its bounds are at least as tight.
 */
public final class SoundBounds {
    /** Prefixes per model call at most: the local engine's batch. */
    public static final int ROUND = 16;
    /** A prefix joins the likeliest one's call when it has at least 1/ROUND_SPREAD of its mass. */
    static final int ROUND_SPREAD = 20;
    /**
     * Children judged per expansion, most likely first (the end-of-sequence token always): beyond top-k
     * sampling a vocabulary has tens of thousands, almost all too unlikely to move a bound.
     */
    static final int JUDGED_CHILDREN = 1024;

    /** What the tokens sampled so far say about the event. */
    public enum Verdict {
        /** The event happens however the continuation goes on. */
        HOLDS,
        /** The event cannot happen any more. */
        FAILS,
        /** Not decided yet (never the verdict on an ended continuation). */
        OPEN
    }

    /** The event, judged on a continuation's new tokens so far. */
    @FunctionalInterface
    public interface Event {
        /** @param ended true when sampling stops after {@code newIds} (end-of-sequence, or the last new token) */
        Verdict judge(int[] newIds, boolean ended);
    }

    /**
     * @param lower      a lower bound on the event's probability
     * @param upper      an upper bound
     * @param expansions next-token distributions asked for (at most the budget; fewer when nothing was left open)
     */
    public record Result(double lower, double upper, int expansions) {}

    private record Node(int[] path, double mass, long order) {}

    private static final Comparator<Node> LIKELIEST_FIRST =
            Comparator.comparingDouble(Node::mass).reversed().thenComparingLong(Node::order);

    private SoundBounds() {}

    /**
     * Bounds on the probability that a continuation of {@code prompt}, sampled as {@code sampling} says
     * (its temperature, top-k and min/max new tokens; no top-p), makes {@code event} happen, from at most
     * {@code budget} next-token distributions.
     */
    public static Result compute(LanguageModel model, int[] prompt, Event event, Decoding.Sampling sampling, int budget) {
        if (budget < 1) throw new IllegalArgumentException("budget must be >= 1, got " + budget);
        int[] eos = model.eosTokenIds();
        SamplingStep step = new SamplingStep(sampling, eos);
        int maxNew = sampling.maxNewTokens();
        double holds = 0, fails = 0;
        long order = 0;
        PriorityQueue<Node> frontier = new PriorityQueue<>(LIKELIEST_FIRST);
        switch (event.judge(new int[0], false)) {
            case HOLDS -> holds = 1;
            case FAILS -> fails = 1;
            case OPEN -> frontier.add(new Node(new int[0], 1, order++));
        }
        int expansions = 0;
        while (expansions < budget && !frontier.isEmpty()) {
            int take = Math.min(ROUND, budget - expansions);
            List<Node> round = new ArrayList<>(take);
            round.add(frontier.poll());
            double least = round.getFirst().mass / ROUND_SPREAD;
            while (round.size() < take && !frontier.isEmpty() && frontier.peek().mass >= least) round.add(frontier.poll());
            List<int[]> prefixes = new ArrayList<>(round.size());
            for (Node n : round) prefixes.add(concat(prompt, n.path));
            List<float[]> next = model.nextTokenLogprobs(prefixes);
            expansions += round.size();
            for (int i = 0; i < round.size(); i++) {
                Node parent = round.get(i);
                SamplingStep.Children children = step.children(next.get(i), parent.path.length);
                boolean last = parent.path.length + 1 == maxNew;
                for (int j = 0; j < children.ids().length; j++) {
                    int id = children.ids()[j];
                    boolean isEos = contains(eos, id);
                    if (j >= JUDGED_CHILDREN && !isEos) continue;
                    double mass = parent.mass * children.chance()[j];
                    int[] path = Arrays.copyOf(parent.path, parent.path.length + 1);
                    path[parent.path.length] = id;
                    switch (event.judge(path, last || isEos)) {
                        case HOLDS -> holds += mass;
                        case FAILS -> fails += mass;
                        case OPEN -> {
                            if (last || isEos) throw new IllegalStateException("an ended continuation was judged open");
                            frontier.add(new Node(path, mass, order++));
                        }
                    }
                }
            }
            frontier = trimmed(frontier, budget - expansions);
        }
        double lower = Math.min(1, holds);
        return new Result(lower, Math.max(lower, Math.min(1, 1 - fails)), expansions);
    }

    /** Only the {@code keep} likeliest nodes can still be expanded: the rest are dropped (their mass stays unaccounted). */
    private static PriorityQueue<Node> trimmed(PriorityQueue<Node> frontier, int keep) {
        if (frontier.size() <= 2 * keep + ROUND) return frontier;
        Node[] all = frontier.toArray(Node[]::new);
        Arrays.sort(all, LIKELIEST_FIRST);
        PriorityQueue<Node> out = new PriorityQueue<>(LIKELIEST_FIRST);
        out.addAll(Arrays.asList(all).subList(0, keep));
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }
}
