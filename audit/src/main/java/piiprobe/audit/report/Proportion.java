package piiprobe.audit.report;

import java.util.Locale;

/**
 * {@code k} of {@code n}, with its 95% Wilson score interval: the report says one rate is higher than
 * another only when their intervals do not overlap, so that a handful of people cannot make a finding.
 */
record Proportion(int k, int n) {
    private static final double Z = 1.959963984540054;  // the normal distribution's 97.5% quantile

    Proportion {
        if (k < 0 || n < 0 || k > n) throw new IllegalArgumentException(k + " of " + n);
    }

    double value() {
        return n == 0 ? Double.NaN : (double) k / n;
    }

    double low() {
        return n == 0 ? Double.NaN : k == 0 ? 0 : center() - halfWidth();  // exactly 0 at k = 0, where rounding strays
    }

    double high() {
        return n == 0 ? Double.NaN : k == n ? 1 : center() + halfWidth();
    }

    private double center() {
        double p = value(), z2 = Z * Z;
        return (p + z2 / (2 * n)) / (1 + z2 / n);
    }

    private double halfWidth() {
        double p = value(), z2 = Z * Z;
        return Z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    }

    /** Clearly above: this interval lies wholly above the other's. */
    boolean above(Proportion other) {
        return n > 0 && other.n > 0 && low() > other.high();
    }

    /** "1.23%", or "n/a" when no one was asked. */
    String percent() {
        return percent(value());
    }

    static String percent(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * rate);
    }
}
