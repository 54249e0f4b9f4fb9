package org.cvtzoo.core.data;

import java.util.Random;

/** Fisher-Yates shuffles driven by a {@link Random} (the same seed, the same order). */
final class Shuffle {
    private Shuffle() {
    }

    /** Shuffles {@code a} in place: for {@code i} from the last index down to 1, swaps
     *  {@code a[i]} with {@code a[rng.nextInt(i + 1)]}. */
    static void inPlace(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A random permutation of {@code 0..n-1}. */
    static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        inPlace(p, rng);
        return p;
    }
}
