"""Judge what Argo CD would apply (an `argocd.view.ArgoView`) as the cluster would: schemas,
Pod Security per namespace, AppProject rules, sync order, shared objects, values keys, images
and references. One module per check; `run.check_view` runs them all."""
