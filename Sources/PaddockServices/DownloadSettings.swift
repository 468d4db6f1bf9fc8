import Foundation
import PaddockBasics
import PaddockDownload
import PaddockStore

extension Downloader {
    /// A downloader with the `download-*` limits of config.toml (docs/downloads-and-archives.md).
    public init(cache: URL, environment: [String: String], config: PaddockConfig) {
        self.init(
            configuration: DownloaderConfiguration(
                cache: cache, environment: environment, stallTimeout: config.downloadStallSeconds,
                minSpeed: config.downloadMinSpeed, deadline: config.downloadDeadline, maxFileSize: config.downloadMaxFileSize))
    }
}
