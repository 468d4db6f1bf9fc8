import PaddockState

/// Rolls back what a paddock killed mid-transaction (install, upgrade, uninstall) left; call
/// with the state lock held.
func recoverUnfinished(state: StateStore, context: CommandContext) throws {
    let steps = PackageSteps(environment: context.environment)
    for command in try state.recover(undoPackage: { steps.undo($0) }) {
        context.output.warning("rolled back what a killed paddock left unfinished: paddock \(command)")
    }
}
