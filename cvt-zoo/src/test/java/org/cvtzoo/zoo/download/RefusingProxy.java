package org.cvtzoo.zoo.download;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A proxy on loopback that answers every request, CONNECT included, with one error status
 * (407 asks for Basic credentials) and records each request line.
 */
final class RefusingProxy implements AutoCloseable {
    private final ServerSocket socket;
    private final int status;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    RefusingProxy(int status) throws IOException {
        this.status = status;
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "refusing-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    List<String> requests() {
        return requests;
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                requests.add(in.readLine());
                for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                    // headers: not needed
                }
                String head = "HTTP/1.1 " + status + " Refused\r\nContent-Length: 0\r\nConnection: close\r\n"
                        + (status == 407 ? "Proxy-Authenticate: Basic realm=\"test\"\r\n" : "") + "\r\n";
                s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } catch (IOException e) {
                // closed, or a client that went away: next
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
