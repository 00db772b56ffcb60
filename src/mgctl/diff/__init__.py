"""`mgctl diff`: what merging a change does to the cluster, offline. Both sides are rendered
as Argo CD would apply them (mgctl.argocd) and compared object by object, per Application."""
