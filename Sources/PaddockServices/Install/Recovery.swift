import PaddockState

/// Rolls back what a paddock killed mid-transaction (install, upgrade, uninstall) left; call
/// with the state lock held. Each kind undoes its own rows.
public func recoverUnfinished(state: StateStore, context: ServiceContext) throws {
    for command in try state.recover(packages: context.kinds.undoer(context: context)) {
        context.emit(.recovered(command: command))
    }
}
