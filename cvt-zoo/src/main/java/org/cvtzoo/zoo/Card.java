package org.cvtzoo.zoo;

import java.net.URI;
import java.util.Objects;

/**
 * What is published about a variant, each fact with its source: where the official pretrained
 * weights are (null: none are published) with their SHA-256 (null: none published, so a download
 * is unverified and says so), and the published size and cost (null: unknown). How the variant
 * evaluates images is its spec's ({@link Architecture#eval()}).
 */
public record Card(Pretrained pretrained, Published published) {

    public record Pretrained(URI url, String file, String sha256, String source) {
        public Pretrained {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(source, "source");
        }

        /** Weights at {@code url}, saved as its last path segment. */
        public static Pretrained at(String url, String sha256, String source) {
            String path = URI.create(url).getPath();
            return new Pretrained(URI.create(url), path.substring(path.lastIndexOf('/') + 1), sha256, source);
        }
    }

    /**
     * Parameters (millions) and compute at the native size in GMACs: billions of multiply-adds.
     * The CvT and PatchConvNet READMEs say "FLOPs" for this same count (fvcore's convention,
     * which counts a multiply-add once); timm's results list ViT-B/16 at 224 as 17.58 GMACs, and
     * counting its matrix products by hand gives 17.56 G multiply-adds.
     */
    public record Published(double paramsMillions, double gmacs, String source) {
        public Published {
            Objects.requireNonNull(source, "source");
        }
    }
}
