"""Pinned upstream schema files: repository, tag and path of each file, with its git blob id.

CRD_SOURCES: the CRD set of the offline copy described in shared/crds/SOURCES.md (collected
2026-11-26), fetched to `DEST/<project>/<version>/<file>` — the layout `mgctl validate --schemas
DEST` reads. CHART_SCHEMA_SOURCES: the charts' values.schema.json files of the same collection,
fetched to `DEST/chart-schemas/<chart>/<version>/values.schema.json` (used by the chart values
check). Blob ids are git's (`git hash-object FILE`), abbreviated to 12 hex digits: for CRDs as
SOURCES.md lists them; for chart schemas (SOURCES.md gives sizes only) computed from the
byte-for-byte upstream copies in shared/chart-schemas. `verify_blob` accepts full or abbreviated
ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

RAW_GITHUB = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class PinnedFile:
    upstream_dir: str  # path inside the repository, e.g. config/crds/bases
    name: str
    blob: str  # git blob sha1, full or abbreviated
    size: int


@dataclass(frozen=True)
class PinnedSource:
    project: str
    version: str
    repo: str  # owner/name on GitHub
    tag: str
    commit: str
    files: tuple[PinnedFile, ...]

    @property
    def local_dir(self) -> str:
        return f"{self.project}/{self.version}"

    def url(self, file: PinnedFile, base_url: str = RAW_GITHUB) -> str:
        """`<base>/<repo>/<tag>/<path>/<file>`, the raw.githubusercontent.com layout."""
        return f"{base_url.rstrip('/')}/{self.repo}/{self.tag}/{file.upstream_dir}/{file.name}"


def git_blob_id(data: bytes) -> str:
    """The id `git hash-object` gives these bytes: sha1(b"blob <len>\\0" + data)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def verify_blob(data: bytes, expected: str) -> bool:
    return len(expected) >= 7 and git_blob_id(data).startswith(expected.lower())


CRD_SOURCES: tuple[PinnedSource, ...] = (
    PinnedSource(
        project="argo-cd",
        version="v3.5.1",
        repo="argoproj/argo-cd",
        tag="v3.5.1",
        commit="109ca7ca71139e514114499d294a492e7910a965",
        files=(
            PinnedFile("manifests/crds", "application-crd.yaml", "d654fa27c6ba", 405924),
            PinnedFile("manifests/crds", "applicationset-crd.yaml", "9fda8266b050", 1394817),
            PinnedFile("manifests/crds", "appproject-crd.yaml", "1cea1a4d5c90", 19431),
        ),
    ),
    PinnedSource(
        project="argocd-image-updater",
        version="v1.3.0",
        repo="argoproj-labs/argocd-image-updater",
        tag="v1.3.0",
        commit="098b544f1c7d6d1368e89c3f8d92415ede353916",
        files=(
            PinnedFile(
                "config/crd/bases",
                "argocd-image-updater.argoproj.io_imageupdaters.yaml",
                "e92c35454d3c",
                43966,
            ),
        ),
    ),
    PinnedSource(
        project="external-secrets",
        version="v2.9.0",
        repo="external-secrets/external-secrets",
        tag="v2.9.0",
        commit="378bdb622ed9712ef4a58370f6a17af033b7d343",
        files=(
            PinnedFile(
                "config/crds/bases",
                "external-secrets.io_clusterexternalsecrets.yaml",
                "b91f0ff3bf8b",
                90621,
            ),
            PinnedFile(
                "config/crds/bases",
                "external-secrets.io_clusterpushsecrets.yaml",
                "5a77aed5ea58",
                38910,
            ),
            PinnedFile(
                "config/crds/bases",
                "external-secrets.io_clustersecretstores.yaml",
                "9a8f7347d3e3",
                689877,
            ),
            PinnedFile(
                "config/crds/bases",
                "external-secrets.io_externalsecrets.yaml",
                "51aa7e2adde2",
                71681,
            ),
            PinnedFile(
                "config/crds/bases", "external-secrets.io_pushsecrets.yaml", "e828682b7fb6", 34049
            ),
            PinnedFile(
                "config/crds/bases", "external-secrets.io_secretstores.yaml", "3fd038cc4a6a", 689830
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_acraccesstokens.yaml",
                "ce5750f647b0",
                10760,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_beyondtrustworkloadcredentialsdynamicsecrets.yaml",
                "ad8412529ffb",
                11723,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_cloudsmithaccesstokens.yaml",
                "7c220d017b96",
                3939,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_clustergenerators.yaml",
                "4f5ff1ee20c1",
                162175,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_ecrauthorizationtokens.yaml",
                "23e6709de21a",
                10027,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_fakes.yaml",
                "56e2e6fa056a",
                2365,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_gcraccesstokens.yaml",
                "1878bdd96a5b",
                14621,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_generatorstates.yaml",
                "af7154f3baad",
                4471,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_githubaccesstokens.yaml",
                "bcd463f85f21",
                4889,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_gitlabdeploytokens.yaml",
                "3737485c1566",
                6751,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_grafanas.yaml",
                "5de9707f9839",
                6480,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_mfas.yaml",
                "bc49fc578a2c",
                3826,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_passwords.yaml",
                "9c9e1f28bc8b",
                4204,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_quayaccesstokens.yaml",
                "e1166ee4dc17",
                3627,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_sshkeys.yaml",
                "7fb59f54862c",
                2541,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_stssessiontokens.yaml",
                "a5156b3c90f7",
                10621,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_uuids.yaml",
                "d44b34ee39df",
                1753,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_vaultdynamicsecrets.yaml",
                "c0437b122877",
                59999,
            ),
            PinnedFile(
                "config/crds/bases",
                "generators.external-secrets.io_webhooks.yaml",
                "27c53717f66e",
                10113,
            ),
        ),
    ),
    PinnedSource(
        project="traefik",
        version="helm-chart-v41.3.0",
        repo="traefik/traefik-helm-chart",
        tag="v41.3.0",
        commit="a8a66d0098703627b2cf352c66b1725c196a734a",
        files=(
            PinnedFile(
                "traefik/crds", "hub.traefik.io_accesscontrolpolicies.yaml", "3fb88c480133", 15118
            ),
            PinnedFile("traefik/crds", "hub.traefik.io_aiservices.yaml", "9e8776be2d68", 12340),
            PinnedFile("traefik/crds", "hub.traefik.io_apiauths.yaml", "76660283f74c", 17112),
            PinnedFile("traefik/crds", "hub.traefik.io_apibundles.yaml", "03a58f818fe9", 9853),
            PinnedFile(
                "traefik/crds", "hub.traefik.io_apicatalogitems.yaml", "b1584629eb3d", 12479
            ),
            PinnedFile("traefik/crds", "hub.traefik.io_apiplans.yaml", "c81a76b7bc92", 7970),
            PinnedFile("traefik/crds", "hub.traefik.io_apiportalauths.yaml", "16fcc80c4c31", 14718),
            PinnedFile("traefik/crds", "hub.traefik.io_apiportals.yaml", "7008219fe4a6", 9079),
            PinnedFile("traefik/crds", "hub.traefik.io_apiratelimits.yaml", "ff0760eb32fc", 7504),
            PinnedFile("traefik/crds", "hub.traefik.io_apis.yaml", "c97af0698680", 15866),
            PinnedFile("traefik/crds", "hub.traefik.io_apiversions.yaml", "b75ece15158e", 15776),
            PinnedFile("traefik/crds", "hub.traefik.io_contentitems.yaml", "d00d613616fe", 7107),
            PinnedFile(
                "traefik/crds", "hub.traefik.io_managedapplications.yaml", "ba47d9d6b808", 7133
            ),
            PinnedFile(
                "traefik/crds", "hub.traefik.io_managedsubscriptions.yaml", "b51f9e31338e", 18193
            ),
            PinnedFile("traefik/crds", "hub.traefik.io_uplinks.yaml", "e36e4043968d", 9981),
            PinnedFile("traefik/crds", "traefik.io_ingressroutes.yaml", "bd374a3a8841", 27129),
            PinnedFile("traefik/crds", "traefik.io_ingressroutetcps.yaml", "10f60e88f04d", 13372),
            PinnedFile("traefik/crds", "traefik.io_ingressrouteudps.yaml", "62b8255adc69", 5284),
            PinnedFile("traefik/crds", "traefik.io_middlewares.yaml", "0b4b563e195e", 78646),
            PinnedFile("traefik/crds", "traefik.io_middlewaretcps.yaml", "92b9003c2f18", 3761),
            PinnedFile("traefik/crds", "traefik.io_serverstransports.yaml", "27808e27a9e0", 8465),
            PinnedFile(
                "traefik/crds", "traefik.io_serverstransporttcps.yaml", "1f57374ede15", 7457
            ),
            PinnedFile("traefik/crds", "traefik.io_tlsoptions.yaml", "66886bfb6a90", 5410),
            PinnedFile("traefik/crds", "traefik.io_tlsstores.yaml", "8b8d74cfc149", 4073),
            PinnedFile("traefik/crds", "traefik.io_traefikservices.yaml", "1444b6040ea2", 95208),
        ),
    ),
    PinnedSource(
        project="cert-manager",
        version="v1.21.1",
        repo="cert-manager/cert-manager",
        tag="v1.21.1",
        commit="24e33194fb39488eff2bbf10c6dc640f407cad44",
        files=(
            PinnedFile(
                "deploy/crds", "acme.cert-manager.io_challenges.yaml", "a0add06b1dca", 272526
            ),
            PinnedFile("deploy/crds", "acme.cert-manager.io_orders.yaml", "9938939fec86", 12847),
            PinnedFile(
                "deploy/crds", "cert-manager.io_certificaterequests.yaml", "9b5f18c78079", 13493
            ),
            PinnedFile("deploy/crds", "cert-manager.io_certificates.yaml", "1eb46fbeed21", 46453),
            PinnedFile(
                "deploy/crds", "cert-manager.io_clusterissuers.yaml", "f24cab2d55eb", 332408
            ),
            PinnedFile("deploy/crds", "cert-manager.io_issuers.yaml", "bfa8262b5628", 332279),
        ),
    ),
    PinnedSource(
        project="metallb",
        version="v0.16.1",
        repo="metallb/metallb",
        tag="v0.16.1",
        commit="791dfcc63ced7a6b3e869131eae75e645150fff0",
        files=(
            PinnedFile("config/crd/bases", "metallb.io_bfdprofiles.yaml", "da2a373a77f9", 4571),
            PinnedFile(
                "config/crd/bases", "metallb.io_bgpadvertisements.yaml", "b23552a2601c", 14084
            ),
            PinnedFile("config/crd/bases", "metallb.io_bgppeers.yaml", "dfb4361b5d18", 16307),
            PinnedFile("config/crd/bases", "metallb.io_communities.yaml", "bda3aeb6147f", 2416),
            PinnedFile(
                "config/crd/bases", "metallb.io_configurationstates.yaml", "b25df256a456", 5908
            ),
            PinnedFile("config/crd/bases", "metallb.io_ipaddresspools.yaml", "218de26c8ac2", 11517),
            PinnedFile(
                "config/crd/bases", "metallb.io_l2advertisements.yaml", "4cbd3e2b40d4", 11922
            ),
            PinnedFile(
                "config/crd/bases", "metallb.io_servicebgpstatuses.yaml", "681e6a634b51", 3300
            ),
            PinnedFile(
                "config/crd/bases", "metallb.io_servicel2statuses.yaml", "cbee1e54683b", 3414
            ),
        ),
    ),
    PinnedSource(
        project="longhorn",
        version="v1.12.1",
        repo="longhorn/longhorn",
        tag="v1.12.1",
        commit="f349c091c50700cb6cb8a4df8aaa29ea214bdd48",
        files=(PinnedFile("deploy", "longhorn.yaml", "c1f3eecfb6af", 207054),),
    ),
    PinnedSource(
        project="prometheus-operator",
        version="v0.93.0",
        repo="prometheus-operator/prometheus-operator",
        tag="v0.93.0",
        commit="f8fafd475f3d132e239432ae6172de60a6cb6516",
        files=(
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_alertmanagerconfigs.yaml",
                "52a56f35b681",
                798892,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_alertmanagers.yaml",
                "0cb849ec754d",
                620353,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_podmonitors.yaml",
                "5c1bde3d4a5f",
                73786,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_probes.yaml",
                "a172e3125fbc",
                71236,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheusagents.yaml",
                "9738bd941bec",
                704458,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheuses.yaml",
                "05a2c7b38bfb",
                832926,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_prometheusrules.yaml",
                "b423c3225b18",
                13110,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_scrapeconfigs.yaml",
                "d45cb52da3b0",
                716640,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_servicemonitors.yaml",
                "f5736255990a",
                74781,
            ),
            PinnedFile(
                "example/prometheus-operator-crd",
                "monitoring.coreos.com_thanosrulers.yaml",
                "b10255c26759",
                599981,
            ),
        ),
    ),
    PinnedSource(
        project="prometheus-operator-crd-full",
        version="v0.93.0",
        repo="prometheus-operator/prometheus-operator",
        tag="v0.93.0",
        commit="f8fafd475f3d132e239432ae6172de60a6cb6516",
        files=(
            PinnedFile(
                "example/prometheus-operator-crd-full",
                "monitoring.coreos.com_alertmanagerconfigs.yaml",
                "68fdeab1de70",
                1579996,
            ),
        ),
    ),
    PinnedSource(
        project="cloudnative-pg",
        version="v1.30.0",
        repo="cloudnative-pg/cloudnative-pg",
        tag="v1.30.0",
        commit="4b5e244a7d031f67e025c83c1555e7726ecbbfa1",
        files=(
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_backups.yaml", "ffe59ea881c2", 19940
            ),
            PinnedFile(
                "config/crd/bases",
                "postgresql.cnpg.io_clusterimagecatalogs.yaml",
                "60b4af20a3cf",
                11343,
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_clusters.yaml", "a65a1f0e93d4", 463931
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_databaseroles.yaml", "7581f1f9cfe3", 15325
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_databases.yaml", "5ec7f65d6df2", 27126
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_failoverquorums.yaml", "b35cf8bf9752", 2804
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_imagecatalogs.yaml", "8c3d4b442af6", 11280
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_poolers.yaml", "76df8b602273", 653474
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_publications.yaml", "c833e9501e56", 8358
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_scheduledbackups.yaml", "8447e78fca37", 8842
            ),
            PinnedFile(
                "config/crd/bases", "postgresql.cnpg.io_subscriptions.yaml", "c7cd47631e60", 5964
            ),
        ),
    ),
    PinnedSource(
        project="plugin-barman-cloud",
        version="v0.14.0",
        repo="cloudnative-pg/plugin-barman-cloud",
        tag="v0.14.0",
        commit="1e13020fe5f09fd8fc29ea03828f7b61375b3721",
        files=(
            PinnedFile(
                "config/crd/bases", "barmancloud.cnpg.io_objectstores.yaml", "c5cf971100b1", 37302
            ),
        ),
    ),
    PinnedSource(
        project="strimzi",
        version="1.2.0",
        repo="strimzi/strimzi-kafka-operator",
        tag="1.2.0",
        commit="6c7b43c4af0db547c10463ba09d1dfa6f5e156a0",
        files=(
            PinnedFile(
                "packaging/install/cluster-operator", "040-Crd-kafka.yaml", "9598f1c26dff", 330229
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "041-Crd-kafkaconnect.yaml",
                "440bc6f387da",
                140374,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "042-Crd-strimzipodset.yaml",
                "46ea95a25f57",
                5198,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "043-Crd-kafkatopic.yaml",
                "f23989997721",
                6329,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "044-Crd-kafkauser.yaml",
                "ed0577a64841",
                13897,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "045-Crd-kafkanodepool.yaml",
                "5c8670088513",
                68899,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "046-Crd-kafkabridge.yaml",
                "4f0ab0378f27",
                80088,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "047-Crd-kafkaconnector.yaml",
                "763e57c19004",
                7522,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "048-Crd-kafkamirrormaker2.yaml",
                "f2536cbc0ade",
                144218,
            ),
            PinnedFile(
                "packaging/install/cluster-operator",
                "049-Crd-kafkarebalance.yaml",
                "650180e9d31a",
                9080,
            ),
        ),
    ),
    PinnedSource(
        project="tailscale",
        version="v1.102.3",
        repo="tailscale/tailscale",
        tag="v1.102.3",
        commit="53a0d659afa51835dd7a9283873cca44261454f8",
        files=(
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_connectors.yaml",
                "03c51c7553bf",
                17200,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_dnsconfigs.yaml",
                "4d6422ede46e",
                84447,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_peerrelays.yaml",
                "57de2e7f94f8",
                16548,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxyclasses.yaml",
                "d25915e98776",
                178597,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxygrouppolicies.yaml",
                "d1425fba8016",
                6228,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_proxygroups.yaml",
                "0254f01b8f0b",
                13910,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds",
                "tailscale.com_recorders.yaml",
                "ca43a72a557f",
                131745,
            ),
            PinnedFile(
                "cmd/k8s-operator/deploy/crds", "tailscale.com_tailnets.yaml", "5e6dd5880f77", 6850
            ),
        ),
    ),
    PinnedSource(
        project="velero",
        version="v1.18.1",
        repo="vmware-tanzu/velero",
        tag="v1.18.1",
        commit="26ef8fa7df68dfa9ab8aa4669b8ac47340b0c510",
        files=(
            PinnedFile(
                "config/crd/v1/bases", "velero.io_backuprepositories.yaml", "19e4ce0dc35f", 5275
            ),
            PinnedFile("config/crd/v1/bases", "velero.io_backups.yaml", "794c342c8612", 33464),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_backupstoragelocations.yaml", "ac0a7ef23ee9", 9113
            ),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_deletebackuprequests.yaml", "5825524785c1", 2737
            ),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_downloadrequests.yaml", "3b1f3f416168", 3658
            ),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_podvolumebackups.yaml", "2e7fe705654b", 10390
            ),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_podvolumerestores.yaml", "e2917ead242e", 9747
            ),
            PinnedFile("config/crd/v1/bases", "velero.io_restores.yaml", "1b92ea4fcc13", 27971),
            PinnedFile("config/crd/v1/bases", "velero.io_schedules.yaml", "7719a4b132de", 31550),
            PinnedFile(
                "config/crd/v1/bases", "velero.io_serverstatusrequests.yaml", "af35815fedfe", 3088
            ),
            PinnedFile(
                "config/crd/v1/bases",
                "velero.io_volumesnapshotlocations.yaml",
                "111a19df5ac8",
                3745,
            ),
            PinnedFile(
                "config/crd/v2alpha1/bases", "velero.io_datadownloads.yaml", "2f24f7e8152b", 8238
            ),
            PinnedFile(
                "config/crd/v2alpha1/bases", "velero.io_datauploads.yaml", "c4c25cce6260", 9745
            ),
        ),
    ),
    PinnedSource(
        project="gateway-api",
        version="v1.6.1",
        repo="kubernetes-sigs/gateway-api",
        tag="v1.6.1",
        commit="8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3",
        files=(
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_backendtlspolicies.yaml",
                "6555c44258d2",
                78548,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_gatewayclasses.yaml",
                "ea55d0dad02d",
                23255,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_gateways.yaml",
                "6de4376f21fc",
                188714,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_grpcroutes.yaml",
                "452de9a22e33",
                122702,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_httproutes.yaml",
                "32145881f43c",
                429088,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_listenersets.yaml",
                "7307a1fedaa5",
                42614,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_referencegrants.yaml",
                "feb92c3727eb",
                14848,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_tcproutes.yaml",
                "d6a98aeb3d89",
                73240,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_tlsroutes.yaml",
                "dc2a821b5187",
                120606,
            ),
            PinnedFile(
                "config/crd/standard",
                "gateway.networking.k8s.io_udproutes.yaml",
                "dcfabc9c8b93",
                73210,
            ),
        ),
    ),
    PinnedSource(
        project="alloy",
        version="helm-chart-1.11.1",
        repo="grafana/alloy",
        tag="helm-chart/1.11.1",
        commit="233907cff225ce253f812bdfc14138dac1fa0cd2",
        files=(
            PinnedFile(
                "operations/helm/charts/alloy/charts/crds/crds",
                "monitoring.grafana.com_podlogs.yaml",
                "9cfc213ec026",
                9695,
            ),
        ),
    ),
)


def _chart_schema(
    chart: str, version: str, repo: str, tag: str, commit: str, path: str, blob: str, size: int
) -> PinnedSource:
    directory, _, name = path.rpartition("/")
    return PinnedSource(
        project=f"chart-schemas/{chart}",
        version=version,
        repo=repo,
        tag=tag,
        commit=commit,
        files=(PinnedFile(directory, name, blob, size),),
    )


CHART_SCHEMA_SOURCES: tuple[PinnedSource, ...] = (
    _chart_schema(
        "traefik",
        "41.3.0",
        "traefik/traefik-helm-chart",
        "v41.3.0",
        "a8a66d009870",
        "traefik/values.schema.json",
        "8be7c4e420ca",
        181061,
    ),
    _chart_schema(
        "external-secrets",
        "2.9.0",
        "external-secrets/external-secrets",
        "helm-chart-2.9.0",
        "cc5bfbc2234a",
        "deploy/charts/external-secrets/values.schema.json",
        "110551285182",
        49883,
    ),
    _chart_schema(
        "cert-manager",
        "v1.21.1",
        "cert-manager/cert-manager",
        "v1.21.1",
        "24e33194fb39",
        "deploy/charts/cert-manager/values.schema.json",
        "fdc145ec3240",
        114144,
    ),
    _chart_schema(
        "cloudnative-pg",
        "0.29.0",
        "cloudnative-pg/charts",
        "cloudnative-pg-v0.29.0",
        "d1b5ad60cee2",
        "charts/cloudnative-pg/values.schema.json",
        "efdd012e8504",
        33385,
    ),
    _chart_schema(
        "cnpg-cluster",
        "0.8.1",
        "cloudnative-pg/charts",
        "cluster-v0.8.1",
        "e5fd7c192b39",
        "charts/cluster/values.schema.json",
        "d80aeab41d3c",
        52411,
    ),
    _chart_schema(
        "plugin-barman-cloud",
        "0.7.0",
        "cloudnative-pg/charts",
        "plugin-barman-cloud-v0.7.0",
        "83bd9c59514c",
        "charts/plugin-barman-cloud/values.schema.json",
        "dd85a69a9be0",
        8886,
    ),
    _chart_schema(
        "velero",
        "12.1.0",
        "vmware-tanzu/helm-charts",
        "velero-12.1.0",
        "73466ca986bb",
        "charts/velero/values.schema.json",
        "f73d893dbe77",
        27391,
    ),
    _chart_schema(
        "loki",
        "7.3.0",
        "grafana/loki",
        "helm-loki-7.3.0",
        "50c738b4d5b2",
        "production/helm/loki/values.schema.json",
        "20ceedaecb00",
        348,
    ),
    _chart_schema(
        "metallb",
        "0.16.1",
        "metallb/metallb",
        "v0.16.1",
        "791dfcc63ced",
        "charts/metallb/values.schema.json",
        "54ee991dd4a1",
        12523,
    ),
)

ALL_SOURCES: tuple[PinnedSource, ...] = CRD_SOURCES + CHART_SCHEMA_SOURCES


def find_source(project: str) -> PinnedSource:
    for source in ALL_SOURCES:
        if source.project == project:
            return source
    known = ", ".join(s.project for s in ALL_SOURCES)
    raise KeyError(f"no pinned source {project!r}; known: {known}")
