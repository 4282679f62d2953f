package dev.lockkit.redis.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/** TLS for drivers that want a trust store rather than a PEM file: the PEM's certificates as PKCS#12. */
final class Tls {
  /** The password of the in-memory trust store; it protects nothing secret. */
  static final char[] STORE_PASSWORD = "lockkit".toCharArray();

  private Tls() {}

  static byte[] pkcs12(Path pem, char[] password) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("cert-" + i++, cert);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password);
      return out.toByteArray();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the certificates of trustPem " + pem + ": " + e, e);
    }
  }
}
