package piiprobe.audit.metrics;

/** Tails of the binomial distribution, for Monte-Carlo checks with a known false-failure rate. */
public final class Binomial {
    private Binomial() {}

    /** log P(X = k) for X ~ Binomial(n, p). */
    static double logPmf(int n, int k, double p) {
        if (p <= 0) return k == 0 ? 0 : Double.NEGATIVE_INFINITY;
        if (p >= 1) return k == n ? 0 : Double.NEGATIVE_INFINITY;
        double logChoose = 0;
        for (int i = 1; i <= k; i++) logChoose += Math.log(n - k + i) - Math.log(i);
        return logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
    }

    /** P(X ≥ k) ({@code upper}) or P(X ≤ k) for X ~ Binomial(n, p). */
    public static double tail(int n, int k, double p, boolean upper) {
        double s = 0;
        for (int i = upper ? k : 0; i <= (upper ? n : k); i++) s += Math.exp(logPmf(n, i, p));
        return Math.min(1, s);
    }
}
