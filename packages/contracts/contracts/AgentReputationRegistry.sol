// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @dev What the reputation and validation registries ask of the identity registry.
interface IAgentIdentity {
    /// @dev Reverts `ERC721NonexistentToken` for an agent that does not exist.
    function isAuthorizedOrOwner(address spender, uint256 agentId) external view returns (bool);
}

/// @title AgentReputationRegistry
/// @notice The ERC-8004 (2.0.0) reputation registry: anyone but the agent's owner and operators
/// leaves signed fixed-point feedback (`value` with `valueDecimals`) with two tags; the feedback
/// file's URI and hash are only in the event. ABI-compatible with the canonical
/// `ReputationRegistryUpgradeable`.
/// @dev The identity registry is an immutable, so the runtime code is complete without storage
/// set up (the devnet places it at the canonical testnet address).
contract AgentReputationRegistry {
    event NewFeedback(
        uint256 indexed agentId,
        address indexed clientAddress,
        uint64 feedbackIndex,
        int128 value,
        uint8 valueDecimals,
        string indexed indexedTag1,
        string tag1,
        string tag2,
        string endpoint,
        string feedbackURI,
        bytes32 feedbackHash
    );
    event FeedbackRevoked(uint256 indexed agentId, address indexed clientAddress, uint64 indexed feedbackIndex);
    event ResponseAppended(
        uint256 indexed agentId,
        address indexed clientAddress,
        uint64 feedbackIndex,
        address indexed responder,
        string responseURI,
        bytes32 responseHash
    );

    struct Feedback {
        int128 value;
        uint8 valueDecimals;
        bool isRevoked;
        string tag1;
        string tag2;
    }

    struct FeedbackList {
        address[] clients;
        uint64[] indexes;
        int128[] values;
        uint8[] decimals;
        string[] tag1s;
        string[] tag2s;
        bool[] revoked;
    }

    uint8 private constant MAX_DECIMALS = 18;
    int256 private constant MAX_ABS_VALUE = 1e38;

    IAgentIdentity private immutable _identityRegistry;

    mapping(uint256 agentId => mapping(address client => mapping(uint64 index => Feedback))) private _feedback;
    mapping(uint256 agentId => mapping(address client => uint64)) private _lastIndex;
    mapping(uint256 agentId => address[]) private _clients;
    mapping(uint256 agentId => mapping(address client => bool)) private _isClient;
    mapping(uint256 agentId => mapping(address client => mapping(uint64 index => address[]))) private _responders;
    mapping(uint256 agentId => mapping(address client => mapping(uint64 index => mapping(address responder => uint64))))
        private _responseCounts;

    constructor(address identityRegistry_) {
        require(identityRegistry_ != address(0), "bad identity");
        _identityRegistry = IAgentIdentity(identityRegistry_);
    }

    function getIdentityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    function giveFeedback(
        uint256 agentId,
        int128 value,
        uint8 valueDecimals,
        string memory tag1,
        string memory tag2,
        string memory endpoint,
        string memory feedbackURI,
        bytes32 feedbackHash
    ) external {
        // Strings in memory take one stack slot each, where calldata ones take two: the event's
        // eleven fields leave no room for calldata strings.
        require(valueDecimals <= MAX_DECIMALS, "too many decimals");
        require(value <= MAX_ABS_VALUE && value >= -MAX_ABS_VALUE, "value too large");
        // Also the existence check: an unknown agent reverts inside the identity registry.
        require(!_identityRegistry.isAuthorizedOrOwner(msg.sender, agentId), "Self-feedback not allowed");
        uint64 index = _lastIndex[agentId][msg.sender] + 1;
        _lastIndex[agentId][msg.sender] = index;
        _feedback[agentId][msg.sender][index] =
            Feedback({value: value, valueDecimals: valueDecimals, isRevoked: false, tag1: tag1, tag2: tag2});
        if (!_isClient[agentId][msg.sender]) {
            _isClient[agentId][msg.sender] = true;
            _clients[agentId].push(msg.sender);
        }
        emit NewFeedback(
            agentId, msg.sender, index, value, valueDecimals, tag1, tag1, tag2, endpoint, feedbackURI, feedbackHash
        );
    }

    function revokeFeedback(uint256 agentId, uint64 feedbackIndex) external {
        Feedback storage feedback = _existing(agentId, msg.sender, feedbackIndex);
        require(!feedback.isRevoked, "Already revoked");
        feedback.isRevoked = true;
        emit FeedbackRevoked(agentId, msg.sender, feedbackIndex);
    }

    /// @notice Anyone may answer a feedback (the agent refuting it, a validator confirming it).
    function appendResponse(
        uint256 agentId,
        address clientAddress,
        uint64 feedbackIndex,
        string calldata responseURI,
        bytes32 responseHash
    ) external {
        _existing(agentId, clientAddress, feedbackIndex);
        require(bytes(responseURI).length > 0, "Empty URI");
        if (_responseCounts[agentId][clientAddress][feedbackIndex][msg.sender] == 0) {
            _responders[agentId][clientAddress][feedbackIndex].push(msg.sender);
        }
        _responseCounts[agentId][clientAddress][feedbackIndex][msg.sender] += 1;
        emit ResponseAppended(agentId, clientAddress, feedbackIndex, msg.sender, responseURI, responseHash);
    }

    function getLastIndex(uint256 agentId, address clientAddress) external view returns (uint64) {
        return _lastIndex[agentId][clientAddress];
    }

    function getClients(uint256 agentId) external view returns (address[] memory) {
        return _clients[agentId];
    }

    function readFeedback(uint256 agentId, address clientAddress, uint64 feedbackIndex)
        external
        view
        returns (int128 value, uint8 valueDecimals, string memory tag1, string memory tag2, bool isRevoked)
    {
        Feedback storage feedback = _existing(agentId, clientAddress, feedbackIndex);
        return (feedback.value, feedback.valueDecimals, feedback.tag1, feedback.tag2, feedback.isRevoked);
    }

    /// @notice The average of the live feedback of the named clients (a non-empty list: whom to
    /// trust is the reader's choice, the Sybil guard), optionally filtered by tags. Each value is
    /// brought to 18 decimals, averaged (rounding toward zero), and the average is given with the
    /// decimals most of the feedback used (the fewer decimals on a tie, and fewer where the average
    /// would not fit an int128).
    function getSummary(uint256 agentId, address[] calldata clientAddresses, string calldata tag1, string calldata tag2)
        external
        view
        returns (uint64 count, int128 summaryValue, uint8 summaryValueDecimals)
    {
        require(clientAddresses.length > 0, "clientAddresses required");
        // In steps: the tags' calldata and the sums do not fit on the stack together.
        (int256 total, uint64[19] memory decimalsUsed, uint64 matched) =
            _totalOf(agentId, clientAddresses, _filterOf(tag1), _filterOf(tag2));
        if (matched == 0) return (0, 0, 0);
        (summaryValue, summaryValueDecimals) = _averageOf(total, matched, decimalsUsed);
        count = matched;
    }

    /// @notice Every matching feedback of the named clients (all clients for an empty list).
    /// @dev Arguments in memory, and the lists built in a struct: seven returned arrays leave no
    /// stack room for calldata arguments or loop variables.
    function readAllFeedback(
        uint256 agentId,
        address[] memory clientAddresses,
        string memory tag1,
        string memory tag2,
        bool includeRevoked
    )
        external
        view
        returns (
            address[] memory clients,
            uint64[] memory feedbackIndexes,
            int128[] memory values,
            uint8[] memory valueDecimals,
            string[] memory tag1s,
            string[] memory tag2s,
            bool[] memory revokedStatuses
        )
    {
        if (clientAddresses.length == 0) clientAddresses = _clients[agentId];
        FeedbackList memory list =
            _listOf(agentId, clientAddresses, _filterOf(tag1), _filterOf(tag2), includeRevoked);
        return (list.clients, list.indexes, list.values, list.decimals, list.tag1s, list.tag2s, list.revoked);
    }

    /// @notice Responses counted for one feedback, one client's (`feedbackIndex` 0) or every
    /// client's (`clientAddress` 0), from the named responders (all for an empty list).
    function getResponseCount(
        uint256 agentId,
        address clientAddress,
        uint64 feedbackIndex,
        address[] calldata responders
    ) external view returns (uint64 count) {
        if (clientAddress != address(0) && feedbackIndex != 0) {
            return _responsesTo(agentId, clientAddress, feedbackIndex, responders);
        }
        address[] memory listed;
        if (clientAddress == address(0)) {
            listed = _clients[agentId];
        } else {
            listed = new address[](1);
            listed[0] = clientAddress;
        }
        for (uint256 i; i < listed.length; i++) {
            uint64 last = _lastIndex[agentId][listed[i]];
            for (uint64 j = 1; j <= last; j++) {
                count += _responsesTo(agentId, listed[i], j, responders);
            }
        }
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    function _responsesTo(uint256 agentId, address client, uint64 index, address[] calldata responders)
        private
        view
        returns (uint64 count)
    {
        address[] memory listed = responders;
        if (listed.length == 0) listed = _responders[agentId][client][index];
        for (uint256 k; k < listed.length; k++) {
            count += _responseCounts[agentId][client][index][listed[k]];
        }
    }

    function _totalOf(uint256 agentId, address[] calldata clients, bytes32 filter1, bytes32 filter2)
        private
        view
        returns (int256 total, uint64[19] memory decimalsUsed, uint64 count)
    {
        for (uint256 i; i < clients.length; i++) {
            (int256 clientTotal, uint64 clientCount) = _sumOf(agentId, clients[i], filter1, filter2, decimalsUsed);
            total += clientTotal;
            count += clientCount;
        }
    }

    /// @dev The average of `total` (at 18 decimals) over `count`, with the decimals most used; fewer
    /// where it does not fit an int128 with those (at 0 it always does: no value exceeds 1e38).
    function _averageOf(int256 total, uint64 count, uint64[19] memory decimalsUsed)
        private
        pure
        returns (int128 value, uint8 decimals)
    {
        for (uint8 candidate = 1; candidate <= MAX_DECIMALS; candidate++) {
            if (decimalsUsed[candidate] > decimalsUsed[decimals]) decimals = candidate;
        }
        int256 average = total / int256(uint256(count));
        int256 scaled = average / int256(10 ** (MAX_DECIMALS - decimals));
        while (scaled > type(int128).max || scaled < type(int128).min) {
            decimals--;
            scaled = average / int256(10 ** (MAX_DECIMALS - decimals));
        }
        value = int128(scaled);
    }

    function _listOf(uint256 agentId, address[] memory clients, bytes32 filter1, bytes32 filter2, bool includeRevoked)
        private
        view
        returns (FeedbackList memory list)
    {
        uint256 total;
        for (uint256 pass; pass < 2; pass++) {
            if (pass == 1) {
                list.clients = new address[](total);
                list.indexes = new uint64[](total);
                list.values = new int128[](total);
                list.decimals = new uint8[](total);
                list.tag1s = new string[](total);
                list.tag2s = new string[](total);
                list.revoked = new bool[](total);
            }
            uint256 found;
            for (uint256 i; i < clients.length; i++) {
                uint64 last = _lastIndex[agentId][clients[i]];
                for (uint64 j = 1; j <= last; j++) {
                    Feedback storage feedback = _feedback[agentId][clients[i]][j];
                    if ((feedback.isRevoked && !includeRevoked) || !_matches(feedback, filter1, filter2)) continue;
                    if (pass == 1) {
                        list.clients[found] = clients[i];
                        list.indexes[found] = j;
                        list.values[found] = feedback.value;
                        list.decimals[found] = feedback.valueDecimals;
                        list.tag1s[found] = feedback.tag1;
                        list.tag2s[found] = feedback.tag2;
                        list.revoked[found] = feedback.isRevoked;
                    }
                    found++;
                }
            }
            total = found;
        }
    }

    /// @dev One client's live matching feedback at 18 decimals, counting the decimals each used.
    function _sumOf(uint256 agentId, address client, bytes32 filter1, bytes32 filter2, uint64[19] memory decimalsUsed)
        private
        view
        returns (int256 total, uint64 count)
    {
        uint64 last = _lastIndex[agentId][client];
        for (uint64 j = 1; j <= last; j++) {
            Feedback storage feedback = _feedback[agentId][client][j];
            if (feedback.isRevoked || !_matches(feedback, filter1, filter2)) continue;
            total += int256(feedback.value) * int256(10 ** (MAX_DECIMALS - feedback.valueDecimals));
            decimalsUsed[feedback.valueDecimals] += 1;
            count++;
        }
    }

    function _existing(uint256 agentId, address client, uint64 index) private view returns (Feedback storage) {
        require(index > 0, "index must be > 0");
        require(index <= _lastIndex[agentId][client], "index out of bounds");
        return _feedback[agentId][client][index];
    }

    /// @dev A tag filter: zero (any tag) for an empty tag, else the tag's hash.
    function _filterOf(string memory tag) private pure returns (bytes32) {
        return bytes(tag).length == 0 ? bytes32(0) : keccak256(bytes(tag));
    }

    function _matches(Feedback storage feedback, bytes32 filter1, bytes32 filter2) private view returns (bool) {
        return (filter1 == 0 || keccak256(bytes(feedback.tag1)) == filter1)
            && (filter2 == 0 || keccak256(bytes(feedback.tag2)) == filter2);
    }
}
