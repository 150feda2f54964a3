"""Start the local test identity provider: `python tools/idp/run.py --port 9100`.

Makes its keys (an RSA key for OIDC ID tokens, a key and self-signed certificate for SAML) and a
SQLite database in a temporary folder, creates the users, OIDC clients and SAML service
providers of the JSON file (--config, default demo.json beside this file), prints what a
tenant admin enters in Spendgate, and serves on 127.0.0.1 until stopped."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent


def _keys(data: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def pem(key: rsa.RSAPrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    (data / "oidc-key.pem").write_bytes(pem(rsa.generate_private_key(65537, 2048)))
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Spendgate test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    (data / "saml-key.pem").write_bytes(pem(key))
    (data / "saml-cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _sp_metadata(sps: list[dict[str, str]]) -> str:
    entities = "".join(
        f"<md:EntityDescriptor entityID={quoteattr(sp['entity_id'])}>"
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"'
        ' AuthnRequestsSigned="false" WantAssertionsSigned="true">'
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        f' Location={quoteattr(sp["acs_url"])} index="0"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
        for sp in sps
    )
    return (
        '<?xml version="1.0"?>'
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        f"{entities}</md:EntitiesDescriptor>"
    )


def _populate(spec: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import get_application_model

    for person in spec.get("users", []):
        user = User.objects.create_user(
            username=person["email"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("name", ""),
        )
        for group in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=group)[0])
    application = get_application_model()
    for client in spec.get("oidc_clients", []):
        application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=application.RS256_ALGORITHM,
            skip_authorization=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--config", type=Path, default=HERE / "demo.json")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    spec = json.loads(args.config.read_text())
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="spendgate-idp-"))
    data.mkdir(parents=True, exist_ok=True)
    _keys(data)
    (data / "sp-metadata.xml").write_text(_sp_metadata(spec.get("saml_sps", [])))
    os.environ.update(
        IDP_DATA_DIR=str(data), IDP_PORT=str(args.port), DJANGO_SETTINGS_MODULE="testidp.settings"
    )
    sys.path.insert(0, str(HERE))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    _populate(spec)
    base = f"http://127.0.0.1:{args.port}"
    print(f"Test identity provider on {base}")
    print(f"  OIDC discovery URL: {base}/o/.well-known/openid-configuration")
    for client in spec.get("oidc_clients", []):
        print(f"  OIDC client id: {client['client_id']}  secret: {client['client_secret']}")
    print(f"  SAML metadata URL: {base}/saml/metadata/")
    for sp in spec.get("saml_sps", []):
        print(f"  SAML service provider: {sp['entity_id']}")
    for person in spec.get("users", []):
        groups = ", ".join(person.get("groups", []))
        print(f"  user {person['email']} / {person['password']}  groups: {groups}")
    sys.stdout.flush()

    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    run("127.0.0.1", args.port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
