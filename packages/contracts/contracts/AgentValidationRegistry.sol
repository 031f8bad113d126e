// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAgentIdentity} from "./AgentReputationRegistry.sol";

/// @title AgentValidationRegistry
/// @notice The ERC-8004 (2.0.0) validation registry: an agent's owner asks a named validator to
/// check a piece of work (committed to by `requestHash`); the validator answers 0–100, as often as
/// it re-checks. ABI-compatible with the canonical `ValidationRegistryUpgradeable`.
/// @dev The identity registry is an immutable: the runtime code needs no storage set up.
contract AgentValidationRegistry {
    event ValidationRequest(
        address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash
    );
    event ValidationResponse(
        address indexed validatorAddress,
        uint256 indexed agentId,
        bytes32 indexed requestHash,
        uint8 response,
        string responseURI,
        bytes32 responseHash,
        string tag
    );

    struct Validation {
        address validatorAddress;
        uint8 response;
        bool hasResponse;
        uint256 agentId;
        bytes32 responseHash;
        uint256 lastUpdate;
        string tag;
    }

    IAgentIdentity private immutable _identityRegistry;

    mapping(bytes32 requestHash => Validation) private _validations;
    mapping(uint256 agentId => bytes32[]) private _agentValidations;
    mapping(address validator => bytes32[]) private _validatorRequests;

    constructor(address identityRegistry_) {
        require(identityRegistry_ != address(0), "bad identity");
        _identityRegistry = IAgentIdentity(identityRegistry_);
    }

    function getIdentityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    function validationRequest(address validatorAddress, uint256 agentId, string calldata requestURI, bytes32 requestHash)
        external
    {
        require(validatorAddress != address(0), "bad validator");
        require(_validations[requestHash].validatorAddress == address(0), "exists");
        require(_identityRegistry.isAuthorizedOrOwner(msg.sender, agentId), "Not authorized");
        Validation storage validation = _validations[requestHash];
        validation.validatorAddress = validatorAddress;
        validation.agentId = agentId;
        validation.lastUpdate = block.timestamp;
        _agentValidations[agentId].push(requestHash);
        _validatorRequests[validatorAddress].push(requestHash);
        emit ValidationRequest(validatorAddress, agentId, requestURI, requestHash);
    }

    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external {
        Validation storage validation = _validations[requestHash];
        require(validation.validatorAddress != address(0), "unknown");
        require(msg.sender == validation.validatorAddress, "not validator");
        require(response <= 100, "resp>100");
        validation.response = response;
        validation.hasResponse = true;
        validation.responseHash = responseHash;
        validation.tag = tag;
        validation.lastUpdate = block.timestamp;
        emit ValidationResponse(
            msg.sender, validation.agentId, requestHash, response, responseURI, responseHash, tag
        );
    }

    function getValidationStatus(bytes32 requestHash)
        external
        view
        returns (
            address validatorAddress,
            uint256 agentId,
            uint8 response,
            bytes32 responseHash,
            string memory tag,
            uint256 lastUpdate
        )
    {
        Validation storage validation = _validations[requestHash];
        require(validation.validatorAddress != address(0), "unknown");
        return (
            validation.validatorAddress,
            validation.agentId,
            validation.response,
            validation.responseHash,
            validation.tag,
            validation.lastUpdate
        );
    }

    /// @notice The average answer of the named validators (all for an empty list) to the agent's
    /// requests that have an answer, optionally with one tag.
    function getSummary(uint256 agentId, address[] calldata validatorAddresses, string calldata tag)
        external
        view
        returns (uint64 count, uint8 averageResponse)
    {
        bytes32[] storage requests = _agentValidations[agentId];
        uint256 total;
        for (uint256 i; i < requests.length; i++) {
            Validation storage validation = _validations[requests[i]];
            if (!validation.hasResponse || !_named(validation.validatorAddress, validatorAddresses)) continue;
            if (bytes(tag).length > 0 && keccak256(bytes(validation.tag)) != keccak256(bytes(tag))) continue;
            total += validation.response;
            count++;
        }
        averageResponse = count > 0 ? uint8(total / count) : 0;
    }

    function getAgentValidations(uint256 agentId) external view returns (bytes32[] memory) {
        return _agentValidations[agentId];
    }

    function getValidatorRequests(address validatorAddress) external view returns (bytes32[] memory) {
        return _validatorRequests[validatorAddress];
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    function _named(address validator, address[] calldata listed) private pure returns (bool) {
        if (listed.length == 0) return true;
        for (uint256 j; j < listed.length; j++) {
            if (listed[j] == validator) return true;
        }
        return false;
    }
}
