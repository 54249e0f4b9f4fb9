package org.cvtzoo.serve;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.codec.http.multipart.Attribute;
import org.cvtzoo.core.image.ImageException;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;

import java.io.IOException;
import java.util.Locale;

/**
 * The image of a {@code /predictions} request, as TorchServe takes it: the raw body (an image
 * type, {@code application/octet-stream} or no Content-Type), or the first file (or the field
 * {@code data}) of a {@code multipart/form-data} body.
 */
final class ImageInput {
    private ImageInput() {
    }

    /**
     * The image bytes of a request (on the event loop: it only copies).
     *
     * @throws HttpError 415 for another content type, 400 for an empty body or a multipart body without a file
     */
    static byte[] bytes(FullHttpRequest request) {
        String type = contentType(request);
        if (type.startsWith("multipart/form-data")) return multipart(request);
        if (!(type.isEmpty() || type.startsWith("image/") || type.startsWith("application/octet-stream"))) {
            throw new HttpError(415, "Content-Type " + type + " is not an image: send the image bytes (image/jpeg, image/png, "
                    + "application/octet-stream) or multipart/form-data");
        }
        byte[] b = ByteBufUtil.getBytes(request.content());
        if (b.length == 0) throw new HttpError(400, "the request body is empty: send an image");
        return b;
    }

    private static String contentType(FullHttpRequest request) {
        String t = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return t == null ? "" : t.trim().toLowerCase(Locale.ROOT);
    }

    private static byte[] multipart(FullHttpRequest request) {
        HttpPostRequestDecoder decoder;
        try {
            decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), request);
        } catch (RuntimeException e) {
            throw new HttpError(400, "broken multipart/form-data body (" + e.getMessage() + ")");
        }
        try {
            byte[] field = null;
            for (InterfaceHttpData d : decoder.getBodyHttpDatas()) {
                if (d instanceof FileUpload f) return nonEmpty(f.get());
                if (d instanceof Attribute a && field == null && a.getName().equals("data")) field = a.get();
            }
            if (field != null) return nonEmpty(field);
            throw new HttpError(400, "the multipart/form-data body has no file (and no field named data)");
        } catch (IOException | RuntimeException e) {
            if (e instanceof HttpError h) throw h;
            throw new HttpError(400, "broken multipart/form-data body (" + e.getMessage() + ")");
        } finally {
            decoder.destroy();
        }
    }

    private static byte[] nonEmpty(byte[] b) {
        if (b.length == 0) throw new HttpError(400, "the uploaded file is empty: send an image");
        return b;
    }

    /**
     * Decodes an image after checking its size from its header, so that a small file that
     * unpacks into a huge image is refused before it is decoded.
     *
     * @throws HttpError 413 past {@code maxPixels}, 400 for bytes that are not a whole image
     */
    static RgbImage decode(byte[] bytes, long maxPixels) {
        long[] size = Images.declaredSize(bytes);
        if (size != null && size[0] * size[1] > maxPixels) {
            throw new HttpError(413, "the image is " + size[0] + "x" + size[1] + " pixels, more than the server's limit of " + maxPixels);
        }
        try {
            return Images.decode(bytes, "the request body");
        } catch (ImageException e) {
            throw new HttpError(400, e.getMessage());
        }
    }
}
