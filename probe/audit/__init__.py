"""Evidence an auditor can trust: run manifests, verification, HAR capture, bundles, replay,
retention.

- `digests`   canonical JSON and SHA-256 digests of what a run stored (rows and files)
- `manifest`  seal a run: its manifest artifact, its hash in results.db, the sweep's chain
- `verify`    check stored evidence against the manifests (`VerifyReport`)
- `har`       the sampled pages' HAR: redacted, stored as an artifact, served back (HarTransport)
- `wacz`      a HAR as a WACZ web archive (WARC + CDXJ index + pages + datapackage)
- `bundle`    export one run as an auditor bundle (zip) and import it into another database
- `replay`    re-run the browser checks offline against the stored HAR
- `retention` prune heavy artifacts past a window, recorded so verify tells pruned apart
"""
