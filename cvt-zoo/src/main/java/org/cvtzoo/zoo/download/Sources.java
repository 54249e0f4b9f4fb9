package org.cvtzoo.zoo.download;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Where a pretrained file is downloaded from. In order of precedence:
 * <ol>
 *   <li>a mirror, for every file: the system property {@value #MIRROR_PROPERTY} or the
 *       environment variable {@value #MIRROR_ENV} is a base URL under which the mirror serves
 *       each file at {@code <name>/<file>}, the layout of the cache itself (so a copy of a filled
 *       cache served by any web server is a mirror);</li>
 *   <li>{@value #HF_ENDPOINT_ENV}, for files on the Hugging Face hub (host {@code huggingface.co}),
 *       as Hugging Face's own clients read it: the file's path on the hub under that base URL;</li>
 *   <li>the file's own URL.</li>
 * </ol>
 * A mirror or endpoint replaces the original: nothing falls back to it.
 */
public final class Sources {
    public static final String MIRROR_PROPERTY = "cvt.mirror";
    public static final String MIRROR_ENV = "CVT_MIRROR";
    public static final String HF_ENDPOINT_ENV = "HF_ENDPOINT";
    static final String HF_HOST = "huggingface.co";

    /** Where one file is downloaded from, and which setting chose it (null: its own URL). */
    public record Source(URI url, String setting) {
    }

    private final Base mirror;
    private final Base hfEndpoint;

    private record Base(URI uri, String setting) {
    }

    private Sources(Base mirror, Base hfEndpoint) {
        this.mirror = mirror;
        this.hfEndpoint = hfEndpoint;
    }

    /** Every file from its own URL. */
    public static Sources direct() {
        return new Sources(null, null);
    }

    /** The mirror and Hugging Face endpoint of this JVM's system properties and environment. */
    public static Sources fromEnvironment() {
        return from(System::getProperty, System::getenv);
    }

    /**
     * The sources that a set of system properties and environment variables name (a blank value
     * is no value).
     *
     * @throws DownloadException where a value is not an http or https URL
     */
    public static Sources from(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        Base mirror = base(MIRROR_PROPERTY, properties.apply(MIRROR_PROPERTY));
        if (mirror == null) mirror = base(MIRROR_ENV, environment.apply(MIRROR_ENV));
        return new Sources(mirror, base(HF_ENDPOINT_ENV, environment.apply(HF_ENDPOINT_ENV)));
    }

    private static Base base(String setting, String value) {
        if (value == null || value.isBlank()) return null;
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw notAUrl(setting, value);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw notAUrl(setting, value);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return new Base(URI.create(scheme + "://" + uri.getRawAuthority() + path.replaceAll("/+$", "")), setting);
    }

    private static DownloadException notAUrl(String setting, String value) {
        return new DownloadException(setting + " is '" + value + "', not an http:// or https:// base URL"
                + " (such as https://mirror.example.org/models)");
    }

    /** Where the file {@code fileName} of the model {@code model}, published at {@code url}, is downloaded from. */
    public Source resolve(String model, String fileName, URI url) {
        if (mirror != null) {
            return new Source(under(mirror, "/" + segment(model) + "/" + segment(fileName), null), mirror.setting());
        }
        if (hfEndpoint != null && HF_HOST.equalsIgnoreCase(url.getHost())) {
            return new Source(under(hfEndpoint, url.getRawPath(), url.getRawQuery()), hfEndpoint.setting());
        }
        return new Source(url, null);
    }

    private static URI under(Base base, String rawPath, String rawQuery) {
        return URI.create(base.uri() + rawPath + (rawQuery == null ? "" : "?" + rawQuery));
    }

    /** A name as one path segment of a URL. */
    private static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
