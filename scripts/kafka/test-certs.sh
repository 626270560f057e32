#!/usr/bin/env bash
# Test certificates for TLS interop runs (never for production): a CA, a server certificate for localhost /
# 127.0.0.1 / ::1 and a client certificate, in every form the clients and brokers under test read.
#
#   scripts/kafka/test-certs.sh DIR [CLIENT_CN]     (CLIENT_CN default: alice)
#
# Writes into DIR (created if missing), all RSA 2048, valid 30 days, password `test-secret` where one is needed:
#   ca.pem, ca-key.pem                 the CA (self-signed)
#   server.pem, server-key.pem         server certificate (SAN DNS:localhost, IP:127.0.0.1, IP:::1) and its
#                                      unencrypted PKCS#8 key; server-chain.pem = key + certificate + CA (PEM keystore)
#   client.pem, client-key.pem         client certificate, subject C=US,O=Samsa,OU=interop,CN=CLIENT_CN
#                                      (Java's RFC 2253 form: CN=alice,OU=interop,O=Samsa,C=US); client-chain.pem
#   server.p12, client.p12             PKCS12 keystores (key + certificate + CA), password test-secret
#   truststore.p12                     PKCS12 truststore holding the CA as a trusted entry (keytool, so Java
#                                      reads it), password test-secret
# Needs openssl; keytool (a JDK) for truststore.p12, which is skipped with a note when keytool is missing.
set -euo pipefail
dir="${1:?usage: test-certs.sh DIR [CLIENT_CN]}"
cn="${2:-alice}"
pw=test-secret
mkdir -p "$dir"
cd "$dir"
q () { "$@" >/dev/null 2>&1 || { echo "test-certs.sh: failed: $*" >&2; "$@"; exit 1; }; }

q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 30 -subj "/O=Samsa/CN=Samsa interop test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign

# sign NAME SUBJECT EXTFILE: a key and a CA-signed certificate
sign () {
  q openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "$2"
  q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" -days 30 -extfile "$3"
  rm -f "$1.csr" "$3"
  cat "$1-key.pem" "$1.pem" ca.pem > "$1-chain.pem"
  q openssl pkcs12 -export -in "$1.pem" -inkey "$1-key.pem" -certfile ca.pem -name "$1" -out "$1.p12" -passout "pass:$pw"
}
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' > server.ext
sign server "/O=Samsa/CN=localhost" server.ext
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
sign client "/C=US/O=Samsa/OU=interop/CN=$cn" client.ext
rm -f ca.srl

if command -v keytool >/dev/null 2>&1; then
  rm -f truststore.p12
  q keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass "$pw"
else
  echo "test-certs.sh: keytool not found: truststore.p12 not written" >&2
fi
echo "$dir"
