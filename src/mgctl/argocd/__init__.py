"""What Argo CD does with mg-infrastructure, offline: its objects (Application, ApplicationSet,
AppProject), ApplicationSet generator expansion, repo-server rendering of every source, and
the AppProject rules its controller applies at sync. Used by `validate`, `apps render` and
`diff`; it judges nothing itself."""
