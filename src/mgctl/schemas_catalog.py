"""Pinned upstream CRD files: repository, tag and path of each file, with its git blob id.

The same set as the offline copy described in shared/crds/SOURCES.md (collected 2026-11-26):
`DEST/<project>/<version>/<file>` is the layout `mgctl schemas fetch` writes and `mgctl
validate --schemas DEST` reads. Blob ids are git's (`git hash-object FILE`), abbreviated to 12
hex digits as SOURCES.md lists them; `verify_blob` accepts full or abbreviated ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

RAW_GITHUB = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class CrdFile:
    upstream_dir: str  # path inside the repository, e.g. config/crds/bases
    name: str
    blob: str  # git blob sha1, full or abbreviated
    size: int


@dataclass(frozen=True)
class CrdSource:
    project: str
    version: str
    repo: str  # owner/name on GitHub
    tag: str
    commit: str
    files: tuple[CrdFile, ...]

    @property
    def local_dir(self) -> str:
        return f"{self.project}/{self.version}"

    def url(self, file: CrdFile, base_url: str = RAW_GITHUB) -> str:
        """`<base>/<repo>/<tag>/<path>/<file>`, the raw.githubusercontent.com layout."""
        return f"{base_url.rstrip('/')}/{self.repo}/{self.tag}/{file.upstream_dir}/{file.name}"


def git_blob_id(data: bytes) -> str:
    """The id `git hash-object` gives these bytes: sha1(b"blob <len>\\0" + data)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def verify_blob(data: bytes, expected: str) -> bool:
    return len(expected) >= 7 and git_blob_id(data).startswith(expected.lower())


CRD_SOURCES: tuple[CrdSource, ...] = (
    CrdSource(
        project="argo-cd",
        version="v3.5.1",
        repo="argoproj/argo-cd",
        tag="v3.5.1",
        commit="109ca7ca71139e514114499d294a492e7910a965",
        files=(
            CrdFile("manifests/crds", "application-crd.yaml", "d654fa27c6ba", 405924),
            CrdFile("manifests/crds", "applicationset-crd.yaml", "9fda8266b050", 1394817),
            CrdFile("manifests/crds", "appproject-crd.yaml", "1cea1a4d5c90", 19431),
        ),
    ),
    CrdSource(
        project="argocd-image-updater",
        version="v1.3.0",
        repo="argoproj-labs/argocd-image-updater",
        tag="v1.3.0",
        commit="098b544f1c7d6d1368e89c3f8d92415ede353916",
        files=(
            CrdFile(
                "config/crd/bases",
                "argocd-image-updater.argoproj.io_imageupdaters.yaml",
                "e92c35454d3c",
                43966,
            ),
        ),
    ),
    CrdSource(
        project="external-secrets",
        version="v2.9.0",
        repo="external-secrets/external-secrets",
        tag="v2.9.0",
        commit="378bdb622ed9712ef4a58370f6a17af033b7d343",
        files=(
            CrdFile(
                "config/crds/bases",
                "external-secrets.io_clusterexternalsecrets.yaml",
                "b91f0ff3bf8b",
                90621,
            ),
            CrdFile(
                "config/crds/bases",
                "external-secrets.io_clusterpushsecrets.yaml",
                "5a77aed5ea58",
                38910,
            ),
            CrdFile(
                "config/crds/bases",
                "external-secrets.io_clustersecretstores.yaml",
                "9a8f7347d3e3",
                689877,
            ),
            CrdFile(
                "config/crds/bases",
                "external-secrets.io_externalsecrets.yaml",
                "51aa7e2adde2",
                71681,
            ),
            CrdFile(
                "config/crds/bases", "external-secrets.io_pushsecrets.yaml", "e828682b7fb6", 34049
            ),
            CrdFile(
                "config/crds/bases", "external-secrets.io_secretstores.yaml", "3fd038cc4a6a", 689830
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_acraccesstokens.yaml",
                "ce5750f647b0",
                10760,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_beyondtrustworkloadcredentialsdynamicsecrets.yaml",
                "ad8412529ffb",
                11723,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_cloudsmithaccesstokens.yaml",
                "7c220d017b96",
                3939,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_clustergenerators.yaml",
                "4f5ff1ee20c1",
                162175,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_ecrauthorizationtokens.yaml",
                "23e6709de21a",
                10027,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_fakes.yaml",
                "56e2e6fa056a",
                2365,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_gcraccesstokens.yaml",
                "1878bdd96a5b",
                14621,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_generatorstates.yaml",
                "af7154f3baad",
                4471,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_githubaccesstokens.yaml",
                "bcd463f85f21",
                4889,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_gitlabdeploytokens.yaml",
                "3737485c1566",
                6751,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_grafanas.yaml",
                "5de9707f9839",
                6480,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_mfas.yaml",
                "bc49fc578a2c",
                3826,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_passwords.yaml",
                "9c9e1f28bc8b",
                4204,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_quayaccesstokens.yaml",
                "e1166ee4dc17",
                3627,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_sshkeys.yaml",
                "7fb59f54862c",
                2541,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_stssessiontokens.yaml",
                "a5156b3c90f7",
                10621,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_uuids.yaml",
                "d44b34ee39df",
                1753,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_vaultdynamicsecrets.yaml",
                "c0437b122877",
                59999,
            ),
            CrdFile(
                "config/crds/bases",
                "generators.external-secrets.io_webhooks.yaml",
                "27c53717f66e",
                10113,
            ),
        ),
    ),
    CrdSource(
        project="traefik",
        version="helm-chart-v41.3.0",
        repo="traefik/traefik-helm-chart",
        tag="v41.3.0",
        commit="a8a66d0098703627b2cf352c66b1725c196a734a",
        files=(
            CrdFile(
                "traefik/crds", "hub.traefik.io_accesscontrolpolicies.yaml", "3fb88c480133", 15118
            ),
            CrdFile("traefik/crds", "hub.traefik.io_aiservices.yaml", "9e8776be2d68", 12340),
            CrdFile("traefik/crds", "hub.traefik.io_apiauths.yaml", "76660283f74c", 17112),
            CrdFile("traefik/crds", "hub.traefik.io_apibundles.yaml", "03a58f818fe9", 9853),
            CrdFile("traefik/crds", "hub.traefik.io_apicatalogitems.yaml", "b1584629eb3d", 12479),
            CrdFile("traefik/crds", "hub.traefik.io_apiplans.yaml", "c81a76b7bc92", 7970),
            CrdFile("traefik/crds", "hub.traefik.io_apiportalauths.yaml", "16fcc80c4c31", 14718),
            CrdFile("traefik/crds", "hub.traefik.io_apiportals.yaml", "7008219fe4a6", 9079),
            CrdFile("traefik/crds", "hub.traefik.io_apiratelimits.yaml", "ff0760eb32fc", 7504),
            CrdFile("traefik/crds", "hub.traefik.io_apis.yaml", "c97af0698680", 15866),
            CrdFile("traefik/crds", "hub.traefik.io_apiversions.yaml", "b75ece15158e", 15776),
            CrdFile("traefik/crds", "hub.traefik.io_contentitems.yaml", "d00d613616fe", 7107),
            CrdFile(
                "traefik/crds", "hub.traefik.io_managedapplications.yaml", "ba47d9d6b808", 7133
            ),
            CrdFile(
                "traefik/crds", "hub.traefik.io_managedsubscriptions.yaml", "b51f9e31338e", 18193
            ),
            CrdFile("traefik/crds", "hub.traefik.io_uplinks.yaml", "e36e4043968d", 9981),
            CrdFile("traefik/crds", "traefik.io_ingressroutes.yaml", "bd374a3a8841", 27129),
            CrdFile("traefik/crds", "traefik.io_ingressroutetcps.yaml", "10f60e88f04d", 13372),
            CrdFile("traefik/crds", "traefik.io_ingressrouteudps.yaml", "62b8255adc69", 5284),
            CrdFile("traefik/crds", "traefik.io_middlewares.yaml", "0b4b563e195e", 78646),
            CrdFile("traefik/crds", "traefik.io_middlewaretcps.yaml", "92b9003c2f18", 3761),
            CrdFile("traefik/crds", "traefik.io_serverstransports.yaml", "27808e27a9e0", 8465),
            CrdFile("traefik/crds", "traefik.io_serverstransporttcps.yaml", "1f57374ede15", 7457),
            CrdFile("traefik/crds", "traefik.io_tlsoptions.yaml", "66886bfb6a90", 5410),
            CrdFile("traefik/crds", "traefik.io_tlsstores.yaml", "8b8d74cfc149", 4073),
            CrdFile("traefik/crds", "traefik.io_traefikservices.yaml", "1444b6040ea2", 95208),
        ),
    ),
    CrdSource(
        project="cert-manager",
        version="v1.21.1",
        repo="cert-manager/cert-manager",
        tag="v1.21.1",
        commit="24e33194fb39488eff2bbf10c6dc640f407cad44",
        files=(
            CrdFile("deploy/crds", "acme.cert-manager.io_challenges.yaml", "a0add06b1dca", 272526),
            CrdFile("deploy/crds", "acme.cert-manager.io_orders.yaml", "9938939fec86", 12847),
            CrdFile(
                "deploy/crds", "cert-manager.io_certificaterequests.yaml", "9b5f18c78079", 13493
            ),
            CrdFile("deploy/crds", "cert-manager.io_certificates.yaml", "1eb46fbeed21", 46453),
            CrdFile("deploy/crds", "cert-manager.io_clusterissuers.yaml", "f24cab2d55eb", 332408),
            CrdFile("deploy/crds", "cert-manager.io_issuers.yaml", "bfa8262b5628", 332279),
        ),
    ),
    CrdSource(
        project="metallb",
        version="v0.16.1",
        repo="metallb/metallb",
        tag="v0.16.1",
        commit="791dfcc63ced7a6b3e869131eae75e645150fff0",
        files=(
            CrdFile("config/crd/bases", "metallb.io_bfdprofiles.yaml", "da2a373a77f9", 4571),
            CrdFile("config/crd/bases", "metallb.io_bgpadvertisements.yaml", "b23552a2601c", 14084),
            CrdFile("config/crd/bases", "metallb.io_bgppeers.yaml", "dfb4361b5d18", 16307),
            CrdFile("config/crd/bases", "metallb.io_communities.yaml", "bda3aeb6147f", 2416),
            CrdFile(
                "config/crd/bases", "metallb.io_configurationstates.yaml", "b25df256a456", 5908
            ),
            CrdFile("config/crd/bases", "metallb.io_ipaddresspools.yaml", "218de26c8ac2", 11517),
            CrdFile("config/crd/bases", "metallb.io_l2advertisements.yaml", "4cbd3e2b40d4", 11922),
            CrdFile("config/crd/bases", "metallb.io_servicebgpstatuses.yaml", "681e6a634b51", 3300),
            CrdFile("config/crd/bases", "metallb.io_servicel2statuses.yaml", "cbee1e54683b", 3414),
        ),
    ),
    CrdSource(
        project="longhorn",
        version="v1.12.1",
        repo="longhorn/longhorn",
        tag="v1.12.1",
        commit="f349c091c50700cb6cb8a4df8aaa29ea214bdd48",
        files=(CrdFile("deploy", "longhorn.yaml", "c1f3eecfb6af", 207054),),
    ),
    CrdSource(
        project="prometheus-operator",
        version="v0.93.0",
        repo="prometheus-operator/prometheus-operator",
        tag="v0.93.0",
        commit="f8fafd475f3d132e239432ae6172de60a6cb6516",
        files=(
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_alertmanagerconfigs.yaml",
                "52a56f35b681",
                798892,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_alertmanagers.yaml",
                "0cb849ec754d",
                620353,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_podmonitors.yaml",
                "5c1bde3d4a5f",
                73786,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_probes.yaml",
                "a172e3125fbc",
                71236,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheusagents.yaml",
                "9738bd941bec",
                704458,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheuses.yaml",
                "05a2c7b38bfb",
                832926,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheusrules.yaml",
                "b423c3225b18",
                13110,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_scrapeconfigs.yaml",
                "d45cb52da3b0",
                716640,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_servicemonitors.yaml",
                "f5736255990a",
                74781,
            ),
            CrdFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_thanosrulers.yaml",
                "b10255c26759",
                599981,
            ),
        ),
    ),
    CrdSource(
        project="prometheus-operator-crd-full",
        version="v0.93.0",
        repo="prometheus-operator/prometheus-operator",
        tag="v0.93.0",
        commit="f8fafd475f3d132e239432ae6172de60a6cb6516",
        files=(
            CrdFile(
                "example/prometheus-operator-crd-full",
                "monitoring.coreos.com_alertmanagerconfigs.yaml",
                "68fdeab1de70",
                1579996,
            ),
        ),
    ),
    CrdSource(
        project="cloudnative-pg",
        version="v1.30.0",
        repo="cloudnative-pg/cloudnative-pg",
        tag="v1.30.0",
        commit="4b5e244a7d031f67e025c83c1555e7726ecbbfa1",
        files=(
            CrdFile("config/crd/bases", "postgresql.cnpg.io_backups.yaml", "ffe59ea881c2", 19940),
            CrdFile(
                "config/crd/bases",
                "postgresql.cnpg.io_clusterimagecatalogs.yaml",
                "60b4af20a3cf",
                11343,
            ),
            CrdFile("config/crd/bases", "postgresql.cnpg.io_clusters.yaml", "a65a1f0e93d4", 463931),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_databaseroles.yaml", "7581f1f9cfe3", 15325
            ),
            CrdFile("config/crd/bases", "postgresql.cnpg.io_databases.yaml", "5ec7f65d6df2", 27126),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_failoverquorums.yaml", "b35cf8bf9752", 2804
            ),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_imagecatalogs.yaml", "8c3d4b442af6", 11280
            ),
            CrdFile("config/crd/bases", "postgresql.cnpg.io_poolers.yaml", "76df8b602273", 653474),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_publications.yaml", "c833e9501e56", 8358
            ),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_scheduledbackups.yaml", "8447e78fca37", 8842
            ),
            CrdFile(
                "config/crd/bases", "postgresql.cnpg.io_subscriptions.yaml", "c7cd47631e60", 5964
            ),
        ),
    ),
    CrdSource(
        project="plugin-barman-cloud",
        version="v0.14.0",
        repo="cloudnative-pg/plugin-barman-cloud",
        tag="v0.14.0",
        commit="1e13020fe5f09fd8fc29ea03828f7b61375b3721",
        files=(
            CrdFile(
                "config/crd/bases", "barmancloud.cnpg.io_objectstores.yaml", "c5cf971100b1", 37302
            ),
        ),
    ),
    CrdSource(
        project="strimzi",
        version="1.2.0",
        repo="strimzi/strimzi-kafka-operator",
        tag="1.2.0",
        commit="6c7b43c4af0db547c10463ba09d1dfa6f5e156a0",
        files=(
            CrdFile(
                "packaging/install/cluster-operator", "040-Crd-kafka.yaml", "9598f1c26dff", 330229
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "041-Crd-kafkaconnect.yaml",
                "440bc6f387da",
                140374,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "042-Crd-strimzipodset.yaml",
                "46ea95a25f57",
                5198,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "043-Crd-kafkatopic.yaml",
                "f23989997721",
                6329,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "044-Crd-kafkauser.yaml",
                "ed0577a64841",
                13897,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "045-Crd-kafkanodepool.yaml",
                "5c8670088513",
                68899,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "046-Crd-kafkabridge.yaml",
                "4f0ab0378f27",
                80088,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "047-Crd-kafkaconnector.yaml",
                "763e57c19004",
                7522,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "048-Crd-kafkamirrormaker2.yaml",
                "f2536cbc0ade",
                144218,
            ),
            CrdFile(
                "packaging/install/cluster-operator",
                "049-Crd-kafkarebalance.yaml",
                "650180e9d31a",
                9080,
            ),
        ),
    ),
    CrdSource(
        project="tailscale",
        version="v1.102.3",
        repo="tailscale/tailscale",
        tag="v1.102.3",
        commit="53a0d659afa51835dd7a9283873cca44261454f8",
        files=(
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_connectors.yaml",
                "03c51c7553bf",
                17200,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_dnsconfigs.yaml",
                "4d6422ede46e",
                84447,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_peerrelays.yaml",
                "57de2e7f94f8",
                16548,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxyclasses.yaml",
                "d25915e98776",
                178597,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxygrouppolicies.yaml",
                "d1425fba8016",
                6228,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxygroups.yaml",
                "0254f01b8f0b",
                13910,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_recorders.yaml",
                "ca43a72a557f",
                131745,
            ),
            CrdFile(
                "cmd/k8s-operator/deploy/crds", "tailscale.com_tailnets.yaml", "5e6dd5880f77", 6850
            ),
        ),
    ),
    CrdSource(
        project="velero",
        version="v1.18.1",
        repo="vmware-tanzu/velero",
        tag="v1.18.1",
        commit="26ef8fa7df68dfa9ab8aa4669b8ac47340b0c510",
        files=(
            CrdFile(
                "config/crd/v1/bases", "velero.io_backuprepositories.yaml", "19e4ce0dc35f", 5275
            ),
            CrdFile("config/crd/v1/bases", "velero.io_backups.yaml", "794c342c8612", 33464),
            CrdFile(
                "config/crd/v1/bases", "velero.io_backupstoragelocations.yaml", "ac0a7ef23ee9", 9113
            ),
            CrdFile(
                "config/crd/v1/bases", "velero.io_deletebackuprequests.yaml", "5825524785c1", 2737
            ),
            CrdFile("config/crd/v1/bases", "velero.io_downloadrequests.yaml", "3b1f3f416168", 3658),
            CrdFile(
                "config/crd/v1/bases", "velero.io_podvolumebackups.yaml", "2e7fe705654b", 10390
            ),
            CrdFile(
                "config/crd/v1/bases", "velero.io_podvolumerestores.yaml", "e2917ead242e", 9747
            ),
            CrdFile("config/crd/v1/bases", "velero.io_restores.yaml", "1b92ea4fcc13", 27971),
            CrdFile("config/crd/v1/bases", "velero.io_schedules.yaml", "7719a4b132de", 31550),
            CrdFile(
                "config/crd/v1/bases", "velero.io_serverstatusrequests.yaml", "af35815fedfe", 3088
            ),
            CrdFile(
                "config/crd/v1/bases",
                "velero.io_volumesnapshotlocations.yaml",
                "111a19df5ac8",
                3745,
            ),
            CrdFile(
                "config/crd/v2alpha1/bases", "velero.io_datadownloads.yaml", "2f24f7e8152b", 8238
            ),
            CrdFile(
                "config/crd/v2alpha1/bases", "velero.io_datauploads.yaml", "c4c25cce6260", 9745
            ),
        ),
    ),
    CrdSource(
        project="gateway-api",
        version="v1.6.1",
        repo="kubernetes-sigs/gateway-api",
        tag="v1.6.1",
        commit="8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3",
        files=(
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_backendtlspolicies.yaml",
                "6555c44258d2",
                78548,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_gatewayclasses.yaml",
                "ea55d0dad02d",
                23255,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_gateways.yaml",
                "6de4376f21fc",
                188714,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_grpcroutes.yaml",
                "452de9a22e33",
                122702,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_httproutes.yaml",
                "32145881f43c",
                429088,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_listenersets.yaml",
                "7307a1fedaa5",
                42614,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_referencegrants.yaml",
                "feb92c3727eb",
                14848,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_tcproutes.yaml",
                "d6a98aeb3d89",
                73240,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_tlsroutes.yaml",
                "dc2a821b5187",
                120606,
            ),
            CrdFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_udproutes.yaml",
                "dcfabc9c8b93",
                73210,
            ),
        ),
    ),
    CrdSource(
        project="alloy",
        version="helm-chart-1.11.1",
        repo="grafana/alloy",
        tag="helm-chart/1.11.1",
        commit="233907cff225ce253f812bdfc14138dac1fa0cd2",
        files=(
            CrdFile(
                "operations/helm/charts/alloy/charts/crds/crds",
                "monitoring.grafana.com_podlogs.yaml",
                "9cfc213ec026",
                9695,
            ),
        ),
    ),
)


def find_source(project: str) -> CrdSource:
    for source in CRD_SOURCES:
        if source.project == project:
            return source
    known = ", ".join(s.project for s in CRD_SOURCES)
    raise KeyError(f"no pinned CRD source {project!r}; known: {known}")
