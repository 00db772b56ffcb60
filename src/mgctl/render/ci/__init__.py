"""The delivery pipeline's files: GitHub Actions workflows and Renovate configs
(docs/delivery-pipeline.md).

- `config_repos`  what `mgctl render` adds to mg-deploy and mg-infrastructure: the pull-request
                  workflow (`pull_request`) and `renovate.json` (`renovate`)
- `source_build`  what `mgctl ci source` writes into the source repository: one reusable build
                  workflow and one caller per service
- `pins`          the actions, pinned by commit SHA (`actions.yaml`)
"""
